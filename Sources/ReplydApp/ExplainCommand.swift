import ArgumentParser
import Foundation
import ReplydAPI
import ReplydCore
import ReplydStore

struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Why a message was or was not answered: every rule, passed or failed.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The message ID (from `replyd log`).") var id: Int64
    @Flag(help: "Print what GET /api/v1/messages/{id} returns: the message, its header fields and bytes (base64), every decision and reply.")
    var json = false

    func run() async throws {
        let store = try await common.openExistingStore(try common.loadConfig().configuration)
        if json {
            guard let explanation = try await AdminReports(store: store).explanation(message: id) else {
                printError("no message with ID \(id)")
                throw ExitCode(1)
            }
            print(try AdminReports.json(explanation))
            return
        }
        guard let message = try await store.inbound(id: id) else {
            printError("no message with ID \(id)")
            throw ExitCode(1)
        }
        print("message \(message.id) received \(LogFormat.timestamp(message.receivedAt)) from <\(message.sender)>")
        print("  subject: \(LogFormat.sanitize(message.subject ?? ""))")
        for field in message.trace.map({ HeaderFields.parse(Array(($0 + "\r\n\r\n").utf8)).fields }) ?? [] {
            print("  \(field.name): \(LogFormat.sanitize(field.value.replacingOccurrences(of: "\t", with: " ")))")
        }
        if let spf = message.spf {
            print("  spf: \(spf.code.rawValue) (\(spf.identity.rawValue) \(spf.domain)): \(LogFormat.sanitize(spf.detail))"
                  + (spf.explanation.map { "; the domain says: \(LogFormat.sanitize($0))" } ?? ""))
        }
        let decisions = try await store.decisions(message: id)
        if decisions.isEmpty { print("  no decision recorded (replies were off when it arrived)") }
        for decision in decisions {
            let verdict = decision.replied ? "REPLIED (outbound \(decision.outboundID.map(String.init) ?? "?"))"
                : "NOT ANSWERED: \(decision.reason ?? "?")"
            print("to \(decision.recipient): \(verdict)")
            print(Self.render(decision.checks))
        }
    }

    static func render(_ checks: [RuleCheck]) -> String {
        var failedSeen = false
        return checks.map { check in
            let mark: String
            if check.passed {
                mark = "  ok  "
            } else {
                mark = failedSeen ? "  fail" : "  FAIL"
                failedSeen = true
            }
            return "\(mark) \(check.rule.rawValue): \(LogFormat.sanitize(check.detail))"
        }.joined(separator: "\n")
    }
}
