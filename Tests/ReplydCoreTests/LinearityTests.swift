import Foundation
import ReplydCore
import ReplydTesting
import Testing

/// Every parser that sees input from the network costs time linear in that input: the worst inputs
/// we can build, at 10 KB, 100 KB and 1 MB, each tenfold input costing about ten times as much.
@Suite struct LinearityTests {
    static func message(headers: String, body: String = "body\r\n") -> [UInt8] {
        Array((headers + "\r\n\r\n" + body).utf8)
    }

    /// Folded lines of `unit`, each under 1000 octets, filling `size` bytes of one header's value.
    static func foldedValue(_ unit: String, size: Int) -> String {
        let line = CPUCost.repeated(unit, toBytes: 900)
        return Array(repeating: line, count: max(1, size / 903)).joined(separator: "\r\n ")
    }

    @Test(arguments: ["=?a?q?x", "=?utf-8?B?QUFB", "=?=?=?", "=?utf-8?q?=C5=82?="])
    func encodedWords(unit: String) async {
        let growth = await CPUCost.growth(input: { CPUCost.repeated(unit, toBytes: $0) }) { _ = EncodedWords.decode($0) }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }

    @Test(arguments: ["X-A: b\r\n", " folded continuation\r\n", "no colon at all on this line\r\n", "a:\r\n"])
    func headerFields(unit: String) async {
        let growth = await CPUCost.growth(input: { Self.message(headers: "Subject: s\r\n" + CPUCost.repeated(unit, toBytes: $0)) }) {
            _ = HeaderFields.parse($0)
        }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }

    @Test(arguments: ["=?a?q?x", "\"(<", "((((", "<<<<", "a@b,", "\\\"", "x"])
    func inboundMessage(unit: String) async {
        let growth = await CPUCost.growth(input: { size in
            let value = Self.foldedValue(unit, size: size / 3)
            let headers = "From: \(value)\r\nTo: \(value)\r\nSubject: \(value)\r\nReferences: \(value)"
            return ReceivedMessage(reversePath: .null, recipients: ["a@example.test"], helo: "h", esmtp: true,
                                   remoteAddress: "192.0.2.1", tls: nil, body8bit: false, smtputf8: false,
                                   data: Self.message(headers: headers))
        }) { _ = InboundMessage(received: $0, receivedAt: Date(timeIntervalSince1970: 0)) }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }

    @Test(arguments: ["(", "\"", "<", "a@b.c, ", "=?utf-8?q?a?= <a@b.c>,"])
    func addressList(unit: String) async {
        let growth = await CPUCost.growth(input: { CPUCost.repeated(unit, toBytes: $0) }) { _ = AddressList.mailboxes(in: $0) }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }

    @Test(arguments: ["plain", "quoted-printable", "multipart", "nested", "long-boundary", "base64"])
    func firstTypedLine(kind: String) async {
        let growth = await CPUCost.growth(input: { size -> [UInt8] in
            switch kind {
            case "quoted-printable":
                return Self.message(headers: "Content-Transfer-Encoding: quoted-printable",
                                    body: CPUCost.repeated("=\r\n=4", toBytes: size))
            case "multipart":
                return Self.message(headers: "Content-Type: multipart/mixed; boundary=b",
                                    body: CPUCost.repeated("--b\r\nContent-Type: image/png\r\n\r\nx\r\n", toBytes: size))
            case "nested":
                return Self.message(headers: "Content-Type: multipart/mixed; boundary=b",
                                    body: CPUCost.repeated("--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n", toBytes: size))
            case "long-boundary":
                let boundary = CPUCost.repeated("b", toBytes: size / 4)
                return Self.message(headers: "Content-Type: multipart/mixed; boundary=" + Self.foldedValue("b", size: 0) + boundary,
                                    body: CPUCost.repeated("--" + String(boundary.dropLast()) + "\r\n", toBytes: size))
            case "base64":
                return Self.message(headers: "Content-Transfer-Encoding: base64", body: CPUCost.repeated("QUJD\r\n", toBytes: size))
            default:
                return Self.message(headers: "Subject: s", body: CPUCost.repeated("\r\n", toBytes: size) + "STOP")
            }
        }) { _ = MessageText.firstLine(of: $0) }
        #expect(growth.isLinear, "\(kind): \(growth)")
    }

    @Test(arguments: ["MAIL FROM:<\"", "RCPT TO:<a\\\\", "MAIL FROM:<a@b> SIZE=1 ", "EHLO ", "MAIL FROM:<@a,@b:"])
    func smtpCommand(prefix: String) async {
        let growth = await CPUCost.growth(input: { prefix + CPUCost.repeated("\"\\ x", toBytes: $0) }) {
            _ = SMTPCommandParser.parse(Substring($0))
        }
        #expect(growth.isLinear, "\(prefix): \(growth)")
    }

    @Test func smtpSessionData() async {
        let settings = SMTPSession.Settings(hostname: "mx.test", maxMessageSize: 100 << 20, maxRecipients: 10, maxErrors: 10,
                                            tlsAvailable: false, requireTLS: false,
                                            recipients: RecipientPolicy(localDomains: ["example.test"], catchAll: true))
        let growth = await CPUCost.growth(input: { size in Array(repeating: Array("..x".utf8), count: size / 5) }) { lines in
            var session = SMTPSession(settings: settings, remoteAddress: "192.0.2.1")
            for line in ["EHLO c", "MAIL FROM:<a@c.test>", "RCPT TO:<b@example.test>", "DATA"] {
                _ = session.receive(line: ArraySlice(Array(line.utf8)), crlf: false)
            }
            for line in lines { _ = session.receive(line: ArraySlice(line), crlf: true) }
            _ = session.receive(line: ArraySlice(Array(".\r".utf8)), crlf: true)
        }
        #expect(growth.isLinear, "\(growth)")
    }

    @Test(arguments: ["Subject", "From"])
    func replyComposition(field: String) async {
        let vacation = Vacation(mailbox: "alice@example.test", start: Date(timeIntervalSince1970: 0), subject: nil,
                                message: "Away.")
        let growth = await CPUCost.growth(input: { size -> InboundMessage in
            let value = Self.foldedValue("=?utf-8?q?ab?=", size: size)
            let received = ReceivedMessage(reversePath: .null, recipients: ["alice@example.test"], helo: "h", esmtp: true,
                                           remoteAddress: "192.0.2.1", tls: nil, body8bit: false, smtputf8: false,
                                           data: Self.message(headers: "\(field): \(value)\r\nMessage-ID: <a@b>"))
            return InboundMessage(received: received, receivedAt: Date(timeIntervalSince1970: 10))
        }) { message in
            let plan = ReplyPlan(recipient: "s@client.test", mailbox: "alice@example.test", internalSender: false, responseID: "r", days: 7)
            _ = ReplyComposer.compose(plan: plan, vacation: vacation, message: message, messageID: "<r@x>", date: Date(timeIntervalSince1970: 10))
        }
        #expect(growth.isLinear, "\(field): \(growth)")
    }
}
