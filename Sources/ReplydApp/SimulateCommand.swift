import ArgumentParser
import Foundation
import ReplydConfig
import ReplydCore
import ReplydPipeline
import ReplydStore

/// Dry runs: the message pipeline the server runs, in a transaction that is rolled back, against the
/// current settings, contacts, subscriptions and history.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Dry run: what a mail, an SMS or a notification would get now, through the server's own pipeline. Stores nothing.",
        subcommands: [Mail.self, SMS.self, Notify.self],
        defaultSubcommand: Mail.self)

    struct Mail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A mail from --from to each --to (the default).")
        @OptionGroup var common: CommonOptions
        @Option(help: "Envelope sender (empty for <>).") var from: String
        @Option(help: "Envelope recipient (repeatable).") var to: [String]
        @Option(help: "Subject of the message.") var subject: String?
        @Option(help: "Extra header 'Name: value' (repeatable).") var header: [String] = []

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard config.replies.enabled else {
                print("replies are switched off (replies.enabled = false)")
                return
            }
            var lines = ["From: <\(from)>", "To: " + to.map { "<\($0)>" }.joined(separator: ", "),
                         "Message-ID: <simulated@replyd.invalid>"]
            if let subject { lines.append("Subject: \(subject)") }
            for extra in header {
                guard extra.contains(":") else {
                    printError("--header: expected 'Name: value', found \"\(extra)\"")
                    throw ExitCode(1)
                }
                lines.append(extra)
            }
            let data = Array((lines.joined(separator: "\r\n") + "\r\n\r\n(simulated)\r\n").utf8)
            let sender: SMTPCommand.ReversePath = from.isEmpty ? .null
                : (try? MailAddress.parse(Substring(from)).get()).map { .mailbox($0) } ?? .null
            let received = ReceivedMessage(reversePath: sender, recipients: to.map { $0.lowercased() }, helo: "simulate",
                                           esmtp: true, remoteAddress: "127.0.0.1", tls: nil, body8bit: true,
                                           smtputf8: false, data: data)
            let message = InboundMessage(received: received, receivedAt: Date())
            let outcome = try await rehearse(common, config) { try await $0.rehearse(message) }
            SimulateCommand.show(outcome)
        }
    }

    struct SMS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sms", abstract: "An SMS from --from to our number --to.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The sender's number.") var from: String
        @Option(help: "Our number it is sent to.") var to: String
        @Option(help: "The text.") var text: String

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard let sender = PhoneNumber.e164(from, defaultCountryCode: config.sms.defaultCountryCode),
                  let recipient = PhoneNumber.e164(to, defaultCountryCode: config.sms.defaultCountryCode) else {
                printError("--from and --to must be phone numbers")
                throw ExitCode(1)
            }
            let sms = InboundSMS(provider: "simulate", providerID: UUID().uuidString, sender: sender, recipient: recipient,
                                 text: text, receivedAt: Date())
            let outcome = try await rehearse(common, config) { try await $0.rehearse(sms) }
            SimulateCommand.show(outcome)
        }
    }

    struct Notify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An order-status notification, as `notify send` takes it.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var notification: NotificationOptions

        func run() async throws {
            let config = try common.loadConfig().configuration
            let (request, setup) = try notification.request(config)
            let outcome = try await rehearse(common, config) { try await $0.rehearse(request, setup: setup, at: Date()) }
            SimulateCommand.show(outcome)
        }
    }

    /// Runs `body` on the pipeline over the server's database, or over an empty one in a temporary
    /// directory on a fresh install (nothing stored yet): the rehearsal needs a writable store.
    static func rehearse(_ common: CommonOptions, _ config: Configuration,
                         _ body: (MessagePipeline) async throws -> Outcome) async throws -> Outcome {
        if config.storage.backend == .postgres {
            // A PostgreSQL store is always there; the rehearsal's transaction is rolled back.
            let store = try await common.openPostgres(config, migrate: true)
            defer { try? store.close() }
            return try await body(MessagePipeline(store: store, engine: config.replyEngine))
        }
        var path = common.databasePath(config)
        var scratch: String?
        if !FileManager.default.fileExists(atPath: path) {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replyd-simulate-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            scratch = directory
            path = directory + "/replyd.sqlite"
        }
        defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
        let store = try SQLiteStore(path: path)
        defer { try? store.close() }
        return try await body(MessagePipeline(store: store, engine: config.replyEngine))
    }

    // Kept out of `run`: Swift 6.3's optimizer crashed (CopyPropagation) on the inlined form.
    static func show(_ outcome: Outcome) {
        if case .duplicateNotification(let previous) = outcome.inbound {
            print("DUPLICATE: this order was already notified of this event (notification \(previous)); --force to notify again")
            return
        }
        for verdict in outcome.verdicts {
            let head: String
            switch verdict.kind {
            case .vacation, .mailList: head = "to \(verdict.recipient)"
            case .smsList: head = "from \(verdict.recipient) to \(verdict.decidedBy ?? "?")"
            case .notification: head = "order \(verdict.recipient) \(verdict.decidedBy ?? "")"
            }
            let said = verdict.kind == .notification ? "WOULD SEND" : "WOULD REPLY"
            print("\(head): \(verdict.answered ? said : "NOT ANSWERED: \(verdict.reason ?? "no answer")")")
            if verdict.kind == .mailList { print("  list: \(verdict.decidedBy ?? "")") }
            if let intent = verdict.intent { print("  intent: \(intent)") }
            if !verdict.checks.isEmpty { print(ExplainCommand.render(verdict.checks)) }
            for note in verdict.notes { print("  note: \(note)") }
            for queued in outcome.queued where verdict.outbound.contains(queued.id) {
                let message = queued.message
                switch message.channel {
                case .email:
                    print("--- reply (envelope <\(message.envelopeFrom)> -> <\(message.recipient)>) ---")
                    print(String(decoding: message.data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"))
                    print("--- decoded body ---")
                    print(message.text)
                case .sms:
                    print("--- sms from \(message.envelopeFrom) to \(message.recipient) ---")
                    print(message.text)
                }
            }
        }
        for change in outcome.subscriptionChanges {
            print("would \(change.status == .optedOut ? "opt out" : "subscribe") \(change.address) on \(change.list)")
        }
    }
}
