import Foundation
import Mustache

/// Renders a vacation's templates and assembles the reply as an RFC 5322 + MIME message.
public enum ReplyComposer {
    public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
        public var field: String
        public var message: String
        public var description: String { "\(field): \(message)" }
    }

    /// Parses every template of the vacation, so a broken one is refused when it is saved.
    public static func validate(_ vacation: Vacation) throws(TemplateError) {
        for (field, text) in [("subject", vacation.subject), ("message", vacation.message),
                              ("internal message", vacation.internalMessage)] {
            guard let text else { continue }
            do {
                _ = try MustacheTemplate(string: plainText + text)
            } catch {
                throw TemplateError(field: field, message: "template does not parse: \(error)")
            }
        }
        if vacation.message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw TemplateError(field: "message", message: "is empty")
        }
    }

    /// The rendered reply, ready to queue: envelope and the message bytes.
    public struct Reply: Sendable, Equatable {
        /// `<>` by default (loop prevention); the mailbox where a relay demands a real sender.
        public var envelopeSender: String
        public var recipient: String
        public var subject: String
        public var body: String
        public var data: [UInt8]
    }

    /// Template variables, documented in the README.
    public static func variables(vacation: Vacation, message: InboundMessage) -> [String: String] {
        let senderName = message.from.flatMap { AddressList.mailboxes(in: $0).first?.name }
        return [
            "sender_name": senderName ?? "",
            "sender_address": message.envelopeSender,
            "owner_name": vacation.ownerName ?? "",
            "mailbox": vacation.mailbox,
            "start": formatted(vacation.start, vacation),
            "end": vacation.end.map { formatted($0, vacation) } ?? "",
            "deputy_name": vacation.deputyName ?? "",
            "deputy_address": vacation.deputyAddress ?? "",
            "original_subject": message.subject.map(MIMEEncoding.scrubbed).map(capped) ?? "",
        ]
    }

    public static func compose(plan: ReplyPlan, vacation: Vacation, message: InboundMessage,
                               messageID: String, date: Date, useMailboxAsEnvelopeSender: Bool = false) -> Reply {
        let values = variables(vacation: vacation, message: message)
        let bodyTemplate = plan.internalSender ? (vacation.internalMessage ?? vacation.message) : vacation.message
        var body = render(bodyTemplate, values)
        if !body.hasSuffix("\n") { body += "\n" }
        let subject: String
        // The whole subject is capped, prefix or template included, as Pigeonhole's vacation does.
        if let template = vacation.subject {
            subject = capped(MIMEEncoding.scrubbed(render(template, values)))
        } else if let original = message.subject.map(MIMEEncoding.scrubbed), !original.isEmpty {
            subject = capped("Auto: " + original)
        } else {
            subject = vacation.locale == "pl" ? "Automatyczna odpowiedź" : "Automated reply"
        }

        let data = assemble(from: MIMEEncoding.addressHeader("From", displayName: vacation.ownerName, address: plan.from ?? vacation.mailbox),
                            recipient: plan.recipient, subject: subject, body: body, answering: message, messageID: messageID, date: date)
        return Reply(envelopeSender: useMailboxAsEnvelopeSender ? plan.from ?? vacation.mailbox : "",
                     recipient: plan.recipient, subject: subject, body: body, data: data)
    }

    /// A mail list's answer (welcome, farewell, help) to the sender of `message`, from the list's address.
    /// A confirmation request (double opt-in) comes `from` the list's confirmation address, with its
    /// token in the subject too, so that a plain reply reaches it either way.
    public static func composeListAnswer(list: MailList, body text: String, message: InboundMessage, messageID: String,
                                         date: Date, useListAsEnvelopeSender: Bool = false,
                                         confirmation: (address: String, token: String)? = nil) -> Reply {
        let recipient = message.envelopeSender
        let original = message.subject.map(MIMEEncoding.scrubbed).map { capped($0.trimmingCharacters(in: .whitespaces)) } ?? ""
        var subject = original.isEmpty ? MIMEEncoding.scrubbed(list.name) : (original.lowercased().hasPrefix("re:") ? original : "Re: " + original)
        if let confirmation {
            subject = "Confirm / Potwierdź: \(MIMEEncoding.scrubbed(list.name)) (confirm-\(confirmation.token))"
        }
        let body = text.hasSuffix("\n") ? text : text + "\n"
        let data = assemble(from: MIMEEncoding.addressHeader("From", displayName: list.name, address: confirmation?.address ?? list.address),
                            recipient: recipient, subject: subject, body: body, answering: message, messageID: messageID, date: date)
        return Reply(envelopeSender: useListAsEnvelopeSender ? list.address : "", recipient: recipient, subject: subject,
                     body: body, data: data)
    }

    /// The reply's bytes: headers that thread it under the original and mark it automatic, then the
    /// UTF-8 body as quoted-printable.
    static func assemble(from: String, recipient: String, subject: String, body: String, answering message: InboundMessage,
                         messageID: String, date: Date) -> [UInt8] {
        var lines: [String] = []
        lines.append(from)
        lines.append(MIMEEncoding.addressHeader("To", displayName: displayName(of: recipient, in: message),
                                                address: MIMEEncoding.scrubbed(recipient)))
        lines.append(MIMEEncoding.header("Subject", subject))
        lines.append("Date: \(MIMEEncoding.date(date))")
        lines.append("Message-ID: \(messageID)")
        let original = message.messageID.flatMap(messageIDToken)
        if let original { lines.append("In-Reply-To: \(original)") }
        // The thread goes on even when the message itself has no Message-ID (RFC 5322 3.6.4).
        var references = (message.headers.first("References").map(messageIDTokens) ?? []) + (original.map { [$0] } ?? [])
        if !references.isEmpty {
            // A thread's first id and its latest ones are what readers thread by; a References
            // field of thousands of ids is not copied whole.
            if references.count > 20 { references = [references[0]] + references.suffix(19) }
            lines.append(MIMEEncoding.fold("References: " + references.joined(separator: " ")))
        }
        lines.append("Auto-Submitted: auto-replied")
        // Older autoresponders (vacation(1) and its kin) look at this, not at Auto-Submitted.
        lines.append("Precedence: bulk")
        // Exchange and Outlook honour this and will not answer our answer.
        lines.append("X-Auto-Response-Suppress: All")
        return MIMEEncoding.plainTextMessage(headers: lines, body: body)
    }

    /// The name the sender gave themselves, when the header that names them (Sender, else
    /// Resent-From, else From, the order Pigeonhole's vacation looks in) has the address the reply
    /// goes to: the reply is then addressed to "Ewa Nowak <ewa@klient.pl>", not only to the address.
    static func displayName(of recipient: String, in message: InboundMessage) -> String? {
        for field in ["Sender", "Resent-From", "From"] {
            for value in message.headers.values(field) {
                if let match = AddressList.mailboxes(in: value).first(where: { $0.address == recipient.lowercased() }) {
                    return match.name
                }
            }
        }
        return nil
    }

    /// Longest original subject copied into a reply, in code points (what Pigeonhole's vacation does).
    static let maxSubjectLength = 256

    /// The subject cut to `maxSubjectLength` code points with an ellipsis, whatever its script.
    static func capped(_ subject: String) -> String {
        let scalars = subject.unicodeScalars
        guard scalars.count > maxSubjectLength else { return subject }
        var cut = String.UnicodeScalarView(scalars.prefix(maxSubjectLength - 1))
        cut.append("…")
        return String(cut)
    }

    /// Longest Message-ID copied into In-Reply-To/References: one that could not share a line with
    /// its field name within RFC 5322's 998 octets is no id a reader can use, so it is left out.
    static let maxMessageIDLength = 250

    /// `{{% CONTENT_TYPE: TEXT}}`: plain text, no HTML escaping of the values.
    static let plainText = "{{% CONTENT_TYPE: TEXT}}"

    static func render(_ template: String, _ values: [String: String]) -> String {
        guard let parsed = try? MustacheTemplate(string: plainText + template) else { return template }
        return parsed.render(values)
    }

    /// The `<id@host>` tokens of a Message-ID or References value; anything else is dropped, so no
    /// inbound text reaches our headers except well-formed ids.
    static func messageIDTokens(_ value: String) -> [String] {
        var tokens: [String] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let token = rest[open...close]
            if token.count > 3, token.utf8.count <= maxMessageIDLength, token.contains("@"),
               token.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }),
               !token.dropFirst().dropLast().contains("<") {
                tokens.append(String(token))
            }
            rest = rest[rest.index(after: close)...]
        }
        return tokens
    }

    static func messageIDToken(_ value: String) -> String? { messageIDTokens(value).first }

    static func formatted(_ date: Date, _ vacation: Vacation) -> String {
        var style = Date.FormatStyle(date: .long, time: .shortened)
        style.locale = Locale(identifier: vacation.locale == "pl" ? "pl_PL" : "en_GB")
        style.timeZone = TimeZone(identifier: vacation.timeZone) ?? TimeZone(identifier: "UTC")!
        return date.formatted(style)
    }
}
