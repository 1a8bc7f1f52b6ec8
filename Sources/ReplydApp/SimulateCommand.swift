import ArgumentParser
import Foundation
import ReplydCore
import ReplydStore

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Dry run: the decision and the reply a message would get now. Stores nothing.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Envelope sender (empty for <>).") var from: String
    @Option(help: "Envelope recipient (repeatable).") var to: [String]
    @Option(help: "Subject of the message.") var subject: String?
    @Option(help: "Extra header 'Name: value' (repeatable).") var header: [String] = []

    func run() async throws {
        let config = try common.loadConfig().configuration
        guard let engine = config.replyEngine else {
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
        let results: [(String, Decision, ReplyComposer.Reply?)]
        if let store = try common.storeIfPresent(config) {
            results = try await store.simulate(message, engine: engine)
        } else {
            results = to.map { ($0, VacationPolicy.decide(message: message, recipient: $0, vacation: nil, facts: PolicyFacts(),
                                                           site: engine.site, now: message.receivedAt), nil) }
        }
        for result in results {
            Self.show(recipient: result.0, decision: result.1, reply: result.2)
        }
    }

    // Kept out of `run`: Swift 6.3's optimizer crashed (CopyPropagation) on the inlined form.
    static func show(recipient: String, decision: Decision, reply: ReplyComposer.Reply?) {
        let verdict: String
        switch decision.outcome {
        case .reply: verdict = "WOULD REPLY"
        case .suppress(let reason): verdict = "NOT ANSWERED: \(reason.rawValue)"
        }
        print("to \(recipient): \(verdict)")
        print(ExplainCommand.render(decision.checks))
        if let reply {
            print("--- reply (envelope <\(reply.envelopeSender)> -> <\(reply.recipient)>) ---")
            print(String(decoding: reply.data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"))
            print("--- decoded body ---")
            print(reply.body)
        }
    }
}
