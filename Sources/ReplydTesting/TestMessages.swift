import Foundation
import ReplydCore

/// Inbound mail as SMTP would hand it over, for tests of everything after the edge.
public enum TestMessages {
    /// A fixed instant (2027-01-15 08:00 UTC) for tests that need "now" to be the same every run.
    public static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A message from `sender` (empty: the null sender `<>`) to `recipients`: `headers` (each line
    /// ending in CRLF; From, To and Subject are added unless `bare`), a blank line, then `body`.
    public static func inbound(from sender: String = "ewa@klient.pl", to recipients: [String] = ["jan@firma.pl"],
                               subject: String? = "s", headers: String = "", body: String = "body\r\n",
                               bare: Bool = false, tls: TLSInfo? = nil, at date: Date = now) -> InboundMessage {
        let reverse: SMTPCommand.ReversePath = sender.isEmpty ? .null
            : (try? MailAddress.parse(Substring(sender)).get()).map { .mailbox($0) } ?? .null
        var head = headers
        if !bare {
            head = "From: \(sender.isEmpty ? "mailer-daemon@klient.pl" : sender)\r\nTo: \(recipients.joined(separator: ", "))\r\n"
                + (subject.map { "Subject: \($0)\r\n" } ?? "") + headers
        }
        let received = ReceivedMessage(reversePath: reverse, recipients: recipients, helo: "client.test", esmtp: true,
                                       remoteAddress: "192.0.2.1", tls: tls, body8bit: false, smtputf8: false,
                                       data: Array((head + "\r\n" + body).utf8))
        return InboundMessage(received: received, receivedAt: date)
    }
}
