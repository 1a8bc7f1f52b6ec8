import ArgumentParser
import Foundation
import ReplydCore
import ReplydStore

struct VacationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vacation",
        abstract: "Switch out-of-office replies on and off.",
        subcommands: [Set.self, Clear.self, List.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set (or replace) the vacation reply of a mailbox.",
            discussion: """
                Templates (mustache): {{sender_name}} {{sender_address}} {{owner_name}} {{mailbox}} {{start}} {{end}} \
                {{deputy_name}} {{deputy_address}} {{original_subject}}. Dates: 2026-12-20, 2026-12-20T09:00 \
                (in --timezone), ISO 8601 with an offset, or now.
                """)

        @OptionGroup var common: CommonOptions
        @Argument(help: "The mailbox address.") var address: String
        @Option(help: "When replies start.") var start: String = "now"
        @Option(help: "When replies stop (default: until cleared).") var end: String?
        @Option(help: "Reply subject template (default: \"Auto: <original subject>\").") var subject: String?
        @Option(help: "File with the reply text (UTF-8).") var messageFile: String
        @Option(help: "File with a different text for senders inside the organisation.") var internalMessageFile: String?
        @Flag(help: "Answer only the mailbox's (and organisation-wide) contacts.") var contactsOnly = false
        @Flag(help: "Answer only senders of the organisation's domains.") var sameDomain = false
        @Option(help: "At most one reply per sender per this many days.") var days: Int = 7
        @Option(help: "Time zone of the dates given and shown (IANA name).") var timezone: String = "Europe/Warsaw"
        @Option(help: "pl or en: how dates are written in the reply.") var locale: String = "pl"
        @Option(help: "The mailbox owner's name, for From and {{owner_name}}.") var ownerName: String?
        @Option(help: "Who to contact instead.") var deputyName: String?
        @Option(help: "The deputy's address.") var deputyAddress: String?
        @Option(help: "Another address of the same person (repeatable).") var alias: [String] = []
        @Option(help: "Reply from this address, the mailbox or an --alias (Sieve :from); default: the alias the message was sent to, else the mailbox.")
        var from: String?

        func run() async throws {
            let config = try common.loadConfig().configuration
            var fileProblems: [String: String] = [:]
            let message = readText(messageFile, field: "message", problems: &fileProblems)
            let internalMessage = internalMessageFile.map { readText($0, field: "internal_message", problems: &fileProblems) }
            let form = VacationForm(
                start: start, end: end, subject: subject, message: message, internalMessage: internalMessage,
                contactsOnly: contactsOnly, sameDomain: sameDomain, days: days, timezone: timezone, locale: locale,
                ownerName: ownerName, deputyName: deputyName, deputyAddress: deputyAddress, aliases: alias, from: from)
            let site = VacationForm.Site(localDomains: config.mail.localDomains, maxDays: config.replies.maxDays)
            let vacation: Vacation
            switch form.validate(mailbox: address, site: site, now: Date()) {
            case .success(let valid) where fileProblems.isEmpty:
                vacation = valid
            case .success:
                Self.report(fileProblems)
                throw ExitCode(1)
            case .failure(let problems):
                Self.report(problems.fields.merging(fileProblems) { _, file in file })
                throw ExitCode(1)
            }
            let store = try await common.openStore(config)
            try await store.setVacation(vacation, at: Date())
            try store.close()
            print("vacation reply set for \(vacation.mailbox): \(VacationCommand.describe(vacation))")
        }

        /// The form's field names as this command's options.
        static let options = ["mailbox": "ADDRESS", "start": "--start", "end": "--end", "subject": "--subject",
                              "message": "--message-file", "internal_message": "--internal-message-file", "days": "--days",
                              "timezone": "--timezone", "locale": "--locale", "aliases": "--alias", "from": "--from",
                              "deputy_address": "--deputy-address"]

        static func report(_ problems: [String: String]) {
            for (field, problem) in problems.sorted(by: { $0.key < $1.key }) {
                printError("not saved: \(options[field] ?? field): \(problem)")
            }
        }

        func readText(_ path: String, field: String, problems: inout [String: String]) -> String {
            guard let data = FileManager.default.contents(atPath: path) else {
                problems[field] = "cannot read \(path)"
                return ""
            }
            guard let text = String(data: data, encoding: .utf8) else {
                problems[field] = "\(path) is not UTF-8 text"
                return ""
            }
            return text
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Switch a mailbox's vacation reply off.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The mailbox address.") var address: String

        func run() async throws {
            let store = try await common.openStore(try common.loadConfig().configuration)
            let cleared = try await store.clearVacation(mailbox: address)
            try store.close()
            guard cleared else {
                printError("\(address) has no vacation reply")
                throw ExitCode(1)
            }
            print("vacation reply cleared for \(address.lowercased())")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List mailboxes with a vacation reply.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard let store = try await common.storeIfPresent(config) else {
                print("no vacation replies")
                return
            }
            let vacations = try await store.vacations()
            if vacations.isEmpty { print("no vacation replies") }
            for vacation in vacations {
                print("\(vacation.mailbox)  \(VacationCommand.describe(vacation))")
            }
        }
    }

    static func describe(_ vacation: Vacation) -> String {
        let zone = TimeZone(identifier: vacation.timeZone) ?? .gmt
        var style = Date.FormatStyle(date: .numeric, time: .shortened)
        style.timeZone = zone
        style.locale = Locale(identifier: "en_GB")
        var parts = ["from \(vacation.start.formatted(style))", vacation.end.map { "until \($0.formatted(style))" } ?? "until cleared",
                     vacation.timeZone, "every \(vacation.days) days per sender"]
        if vacation.contactsOnly { parts.append("contacts only") }
        if vacation.sameDomainOnly { parts.append("same domain only") }
        if vacation.internalMessage != nil { parts.append("separate internal text") }
        if !vacation.aliases.isEmpty { parts.append("aliases \(vacation.aliases.joined(separator: ","))") }
        if let from = vacation.from { parts.append("from \(from)") }
        return parts.joined(separator: ", ")
    }
}
