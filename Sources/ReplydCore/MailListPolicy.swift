import Foundation

/// An e-mail list: mail to its address whose subject or first line is a keyword subscribes or
/// unsubscribes the sender, who is answered with the list's welcome or farewell by e-mail.
public struct MailList: KeywordList, Equatable, Codable {
    /// Lower-cased.
    public var address: String
    public var name: String
    public var welcome: String
    public var farewell: String
    public var help: String
    public var keywords: SMSKeywords

    public var autoreply: String? { nil }
    public var subscribersOnly: Bool { false }
    public var transliterate: Bool { false }
    public var days: Int { 1 }

    public init(address: String, name: String, welcome: String, farewell: String, help: String,
                keywords: SMSKeywords = .standard) {
        self.address = address.lowercased()
        self.name = name
        self.welcome = welcome
        self.farewell = farewell
        self.help = help
        self.keywords = keywords
    }
}

public struct MailListDecision: Sendable, Equatable {
    public var intent: SMSKeywords.Intent?
    public var subscription: SMSDecision.Subscription?
    /// The answer's body, or nil with `reason`.
    public var reply: String?
    /// Why nothing is sent (`automatic: …`, `not-a-keyword`, or a keyword policy reason).
    public var reason: String?
}

/// Decides what a mail to a list address does. Automatic mail (bounces, auto-replies, other lists)
/// never subscribes, unsubscribes or gets an answer: a vacation reply saying "STOP" must not
/// unsubscribe anyone, and two robots must not talk to each other (RFC 3834). Pure.
public enum MailListPolicy {
    public static func decide(message: InboundMessage, list: MailList, facts: SMSFacts, now: Date) -> MailListDecision {
        if let automatic = automatic(message) {
            return MailListDecision(intent: nil, subscription: nil, reply: nil, reason: "automatic: \(automatic)")
        }
        let candidates = [message.subject.map(stripReplyPrefix), MessageText.firstLine(of: message.raw)].compactMap { $0 }
        guard let intent = candidates.lazy.map(list.keywords.intent(of:)).first(where: { $0 != .message }),
              let text = candidates.first(where: { list.keywords.intent(of: $0) == intent }) else {
            return MailListDecision(intent: .message, subscription: nil, reply: nil, reason: "not-a-keyword")
        }
        let decision = SMSPolicy.decide(text: text, list: list, facts: facts, now: now)
        // Anyone can forge an envelope sender: a START for an address already subscribed gets no
        // second welcome, so the list cannot be used to mail a victim again and again.
        if decision.intent == .optIn && facts.subscribed {
            return MailListDecision(intent: .optIn, subscription: nil, reply: nil, reason: "already-subscribed")
        }
        return MailListDecision(intent: decision.intent, subscription: decision.subscription, reply: decision.reply,
                                reason: decision.reason?.rawValue)
    }

    /// Why the message is from a machine, or nil for a person.
    static func automatic(_ message: InboundMessage) -> String? {
        let sender = message.envelopeSender.lowercased()
        if sender.isEmpty { return "null envelope sender" }
        if let reason = AutomatedSenders.reason(for: sender) { return reason }
        if let value = message.headers.values("Auto-Submitted").map({ VacationPolicy.stripComment($0).lowercased() }).first(where: { $0 != "no" }) {
            return "Auto-Submitted: \(value)"
        }
        if let header = VacationPolicy.listHeaders.first(where: { message.headers.first($0) != nil }) { return "has \(header)" }
        if let precedence = message.headers.values("Precedence").map({ VacationPolicy.stripComment($0).lowercased() })
            .first(where: { ["bulk", "list", "junk"].contains($0) }) {
            return "Precedence: \(precedence)"
        }
        return nil
    }

    /// "Re: STOP" is still STOP.
    static func stripReplyPrefix(_ subject: String) -> String {
        var text = Substring(subject.trimmingCharacters(in: .whitespaces))
        while let colon = text.firstIndex(of: ":"), ["re", "fw", "fwd", "odp", "aw"].contains(text[..<colon].lowercased()) {
            text = text[text.index(after: colon)...].drop { $0 == " " }
        }
        return String(text)
    }
}
