import ArgumentParser
import Foundation
import ReplydStore

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove the raw content of inbound messages older than the retention period now.",
        discussion: "Decisions, delivery records and each message's summary stay; `replyd serve` does the same hourly when storage.retention_days is set.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Days to keep (default: storage.retention_days).") var days: Int?

    func run() async throws {
        let config = try common.loadConfig().configuration
        let keep = days ?? config.storage.retentionDays
        guard keep > 0 else {
            printError("nothing to do: storage.retention_days is 0 (keep everything); pass --days N")
            throw ExitCode(1)
        }
        let store = try await common.openStore(config)
        let result = try await store.pruneRaw(receivedBefore: Date().addingTimeInterval(-Double(keep) * 86_400))
        try store.close()
        print("pruned the raw content of \(result.messages) messages older than \(keep) days")
    }
}
