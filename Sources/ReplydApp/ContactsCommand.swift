import ArgumentParser
import Foundation
import ReplydCore
import ReplydStore

struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts",
        abstract: "Manage the contacts that contacts-only replies answer. Owner * means organisation-wide.",
        subcommands: [Add.self, Import.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add one contact.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The mailbox the contact belongs to, or * for everyone.") var owner: String
        @Argument(help: "The contact's e-mail address or +E.164 phone number.") var address: String
        @Option(help: "The contact's name.") var name: String?

        func run() async throws {
            guard let normalized = ContactsCSV.normalize(address) else {
                printError("\(address): not an e-mail address or +E.164 phone number")
                throw ExitCode(1)
            }
            let store = try await common.openStore(try common.loadConfig().configuration)
            _ = try await store.addContacts(owner: owner, [(normalized, name)], at: Date())
            try store.close()
            print("contact \(normalized) added for \(owner.lowercased())")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a mailbox's contacts (or the organisation-wide ones, owner *).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The mailbox the contacts belong to, or * for everyone.") var owner: String
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard let store = try await common.storeIfPresent(config) else { return }
            for contact in try await store.contacts(owner: owner, limit: Int.max, offset: 0).items {
                print(json ? JSONLine.encode(["address": contact.address, "name": contact.name ?? NSNull()] as [String: Any])
                    : "\(contact.address)\(contact.name.map { "  \(LogFormat.sanitize($0))" } ?? "")")
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import contacts from CSV (header row; columns address|email|phone and optional name).",
            discussion: "Bad rows are reported with their line number and skipped; good rows are imported. Exits 1 when any row was bad.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The mailbox the contacts belong to, or * for everyone.") var owner: String
        @Argument(help: "The CSV file.") var file: String

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                printError("\(file): cannot read as UTF-8 text")
                throw ExitCode(1)
            }
            let parsed = ContactsCSV.parse(text)
            for problem in parsed.problems { printError("\(file):\(problem.line): \(problem.message)") }
            let store = try await common.openStore(try common.loadConfig().configuration)
            let count = try await store.addContacts(owner: owner, parsed.contacts.map { ($0.address, $0.name) }, at: Date())
            try store.close()
            print("imported \(count) contacts for \(owner.lowercased()); \(parsed.problems.count) rows skipped")
            if !parsed.problems.isEmpty { throw ExitCode(1) }
        }
    }
}
