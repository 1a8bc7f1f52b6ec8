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
    /// What happens to the sender's pending confirmation.
    public var confirmation: Confirmation = .none

    public enum Confirmation: Sendable, Equatable {
        case none
        /// Record this token as pending and send `reply` from the list's confirmation address.
        case request(token: String)
        /// The pending confirmation was answered: it goes, the subscription is made.
        case confirmed
        /// The pending confirmation was answered with STOP: it goes, nothing else happens.
        case declined
    }

    public init(intent: SMSKeywords.Intent?, subscription: SMSDecision.Subscription?, reply: String?, reason: String?,
                confirmation: Confirmation = .none) {
        self.intent = intent
        self.subscription = subscription
        self.reply = reply
        self.reason = reason
        self.confirmation = confirmation
    }
}

/// Double opt-in: anyone can forge an envelope sender, so a START only asks the address to confirm,
/// and only an answer to that question (which only the address's owner receives) subscribes it.
public struct ListConfirmationRules: Sendable, Equatable {
    /// Unanswered confirmations per list; past it, further STARTs get nothing until some expire.
    public var maxPending: Int
    /// How long a confirmation can be answered (and how long no second one goes to the same address).
    public var validFor: TimeInterval

    public init(maxPending: Int = 100, validFor: TimeInterval = 7 * 86_400) {
        self.maxPending = maxPending
        self.validFor = validFor
    }
}

/// What the store knows about the sender's confirmation, and the token to use for a new one.
public struct ListConfirmationFacts: Sendable, Equatable {
    public var pendingToken: String?
    public var pendingSince: Date?
    /// Unexpired confirmations pending for the list.
    public var pendingCount: Int
    /// The token the mail answers (from the `list+confirm-TOKEN@` address or its subject), if any.
    public var presentedToken: String?
    /// A fresh random token, used if a confirmation is requested.
    public var newToken: String

    public init(pendingToken: String? = nil, pendingSince: Date? = nil, pendingCount: Int = 0, presentedToken: String? = nil,
                newToken: String) {
        self.pendingToken = pendingToken
        self.pendingSince = pendingSince
        self.pendingCount = pendingCount
        self.presentedToken = presentedToken
        self.newToken = newToken
    }
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

    /// `decide`, with double opt-in: a START asks for a confirmation instead of subscribing, and a
    /// mail answering a pending confirmation subscribes with the welcome.
    public static func decide(message: InboundMessage, list: MailList, facts: SMSFacts, confirmation: ListConfirmationFacts,
                              rules: ListConfirmationRules, now: Date) -> MailListDecision {
        let pending = confirmation.pendingToken.flatMap { token in
            confirmation.pendingSince.map { now.timeIntervalSince($0) < rules.validFor } == true ? token : nil
        }
        if let presented = confirmation.presentedToken {
            if let automatic = automatic(message) {
                return MailListDecision(intent: nil, subscription: nil, reply: nil, reason: "automatic: \(automatic)")
            }
            guard let pending, ConstantTime.equals(Array(presented.utf8), Array(pending.utf8)) else {
                return MailListDecision(intent: .optIn, subscription: nil, reply: nil, reason: "confirmation-unknown-or-expired")
            }
            // "STOP" (or "not me") in answer to the question withdraws it rather than confirming.
            if decide(message: message, list: list, facts: facts, now: now).intent == .optOut {
                return MailListDecision(intent: .optOut, subscription: nil, reply: nil, reason: "confirmation-declined",
                                        confirmation: .declined)
            }
            return MailListDecision(intent: .optIn, subscription: .optIn, reply: list.welcome, reason: nil, confirmation: .confirmed)
        }
        let decision = decide(message: message, list: list, facts: facts, now: now)
        guard decision.intent == .optIn, decision.subscription == .optIn else { return decision }
        if pending != nil {
            return MailListDecision(intent: .optIn, subscription: nil, reply: nil, reason: "confirmation-already-pending")
        }
        if confirmation.pendingCount >= rules.maxPending {
            return MailListDecision(intent: .optIn, subscription: nil, reply: nil, reason: "too-many-pending-confirmations")
        }
        return MailListDecision(intent: .optIn, subscription: nil, reply: confirmationText(list: list, address: message.envelopeSender.lowercased()),
                                reason: nil, confirmation: .request(token: confirmation.newToken))
    }

    /// The address a confirmation is answered at: the list's, tagged with the token.
    public static func confirmationAddress(list: MailList, token: String, delimiter: Character) -> String {
        guard let at = list.address.lastIndex(of: "@") else { return list.address }
        return "\(list.address[..<at])\(delimiter)confirm-\(token)\(list.address[at...])"
    }

    /// The token in `list+confirm-TOKEN@…`, or in a subject such as "Re: confirm-TOKEN …".
    public static func presentedToken(recipient: String, subject: String?) -> String? {
        for text in [recipient.split(separator: "@").first.map(String.init) ?? "", subject ?? ""] {
            guard let range = text.range(of: "confirm-", options: .caseInsensitive) else { continue }
            let token = text[range.upperBound...].prefix { $0.isHexDigit }
            if token.count == 16 { return token.lowercased() }
        }
        return nil
    }

    static func confirmationText(list: MailList, address: String) -> String {
        """
        Someone, hopefully you, asked to subscribe \(address) to "\(list.name)".
        To confirm, reply to this message; the reply may be empty.
        If it was not you, ignore this message: nothing more will be sent.

        Ktoś, mamy nadzieję, że Ty, poprosił o zapisanie \(address) na listę „\(list.name)”.
        Aby to potwierdzić, odpowiedz na tę wiadomość; odpowiedź może być pusta.
        Jeśli to nie Ty, zignoruj tę wiadomość: nic więcej nie wyślemy.

        """
    }

    /// Why the message is from a machine, or nil for a person.
    static func automatic(_ message: InboundMessage) -> String? {
        let sender = message.envelopeSender.lowercased()
        if sender.isEmpty { return "null envelope sender" }
        if let reason = AutomatedSenders.reason(for: sender) { return reason }
        if let reason = UnroutableSenders.reason(for: sender) { return reason }
        if let value = message.headers.values("Auto-Submitted").map({ VacationPolicy.stripComment($0).lowercased() }).first(where: { $0 != "no" }) {
            return "Auto-Submitted: \(value)"
        }
        if let header = VacationPolicy.listHeaders.first(where: { message.headers.first($0) != nil }) { return "has \(header)" }
        // Auto-responders that predate RFC 3834 mark themselves like this.
        if let header = ["X-Autoreply", "X-Autorespond", "X-Auto-Reply"].first(where: { message.headers.first($0) != nil }) {
            return "has \(header)"
        }
        if let precedence = message.headers.values("Precedence").map({ VacationPolicy.stripComment($0).lowercased() })
            .first(where: { ["bulk", "list", "junk", "auto_reply"].contains($0) }) {
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
