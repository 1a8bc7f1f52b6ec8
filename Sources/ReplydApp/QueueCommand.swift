import ArgumentParser
import Foundation
import ReplydAPI
import ReplydStore

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "The outbound queue: pending, deferred and failed replies with their last error.",
        subcommands: [List.self, Show.self, Retry.self, Drop.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List queued and failed items (newest first).")
        @OptionGroup var common: CommonOptions
        @Flag(help: "One JSON object per line.") var json = false
        @Flag(help: "Include sent, dropped and suppressed items.") var all = false
        @Option(help: "How many items.") var limit: Int = 50

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard let store = try await common.storeIfPresent(config) else {
                print(json ? "" : "queue is empty")
                return
            }
            let entries = try await store.queueEntries(includeSent: all, limit: limit)
            if json {
                for entry in entries {
                    let object: [String: Any] = [
                        "id": entry.id, "channel": entry.channel, "kind": entry.kind, "intent": entry.intent ?? NSNull(),
                        "status": entry.displayStatus,
                        "recipient": entry.recipient, "envelope_sender": entry.envelopeSender, "subject": entry.subject ?? NSNull(),
                        "created_at": LogFormat.timestamp(entry.createdAt), "next_attempt_at": LogFormat.timestamp(entry.nextAttemptAt),
                        "attempts": entry.attempts, "last_error": entry.lastError ?? NSNull(),
                        "sent_at": entry.sentAt.map(LogFormat.timestamp) ?? NSNull(), "remote_host": entry.remoteHost ?? NSNull(),
                        "message": entry.inboundMessage ?? NSNull(), "notification": entry.notification ?? NSNull(),
                    ]
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                }
                return
            }
            if entries.isEmpty {
                print("queue is empty")
                return
            }
            for entry in entries {
                let status = entry.displayStatus
                let to = entry.channel == "sms" ? "sms to \(entry.recipient)" : "to <\(entry.recipient)>"
                var line = "\(entry.id)  \(status)  \(to)  attempts \(entry.attempts)"
                if entry.status == "queued" { line += "  next \(LogFormat.timestamp(entry.nextAttemptAt))" }
                if let sent = entry.sentAt { line += "  sent \(LogFormat.timestamp(sent)) via \(entry.remoteHost ?? "?")" }
                if let error = entry.lastError { line += "\n    last error: \(LogFormat.sanitize(error))" }
                print(line)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One item of any status: where it goes, every attempt, and what it sends.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "Print what GET /api/v1/queue/{id} returns (the content base64).") var json = false
        @Argument var id: Int64

        func run() async throws {
            let store = try await common.openExistingStore(try common.loadConfig().configuration)
            if json, let item = try await AdminReports(store: store).queueItem(id: id) {
                print(try AdminReports.json(item))
                return
            }
            guard let entry = try await store.queueEntry(id: id) else {
                printError("no queue item \(id)")
                throw ExitCode(1)
            }
            let to = entry.channel == "sms" ? "sms to \(entry.recipient)" : "to <\(entry.recipient)> from <\(entry.envelopeSender)>"
            print("\(entry.id)  \(entry.displayStatus)  \(entry.kind)  \(to)")
            for attempt in try await store.attempts(outbound: id) {
                let code = attempt.replyCode.map { " \($0)" } ?? ""
                print("  \(LogFormat.timestamp(attempt.at))  \(attempt.outcome)\(code)  \(attempt.host ?? "-")  \(LogFormat.sanitize(attempt.detail))")
            }
            print("")
            print(LogFormat.sanitizeLines(String(decoding: try await store.outboundData(id: id) ?? [], as: UTF8.self)))
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Try an item again now (also a failed one).")
        @OptionGroup var common: CommonOptions
        @Argument var id: Int64

        func run() async throws {
            let store = try await common.openStore(try common.loadConfig().configuration)
            switch try await store.retryNow(id, at: Date()) {
            case .done: break
            case .notFound:
                printError("no queued or failed item \(id)")
                throw ExitCode(1)
            case .inFlight:
                printError("item \(id) is being delivered right now; try again when that attempt has finished")
                throw ExitCode(1)
            }
            print("item \(id) will be tried again now")
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Never send an item (it stays recorded as dropped).")
        @OptionGroup var common: CommonOptions
        @Argument var id: Int64

        func run() async throws {
            let store = try await common.openStore(try common.loadConfig().configuration)
            switch try await store.drop(id, at: Date()) {
            case .done: break
            case .notFound:
                printError("no queued or failed item \(id)")
                throw ExitCode(1)
            case .inFlight:
                printError("item \(id) is being delivered right now: it cannot be dropped")
                throw ExitCode(1)
            }
            print("item \(id) dropped")
        }
    }
}
