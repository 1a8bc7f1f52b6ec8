import Foundation

/// What the keyword policy needs of a list, SMS or e-mail: its texts, words and rules.
public protocol KeywordList: Sendable {
    var welcome: String { get }
    var farewell: String { get }
    var help: String { get }
    var autoreply: String? { get }
    var keywords: SMSKeywords { get }
    var subscribersOnly: Bool { get }
    var transliterate: Bool { get }
    var days: Int { get }
}

/// An SMS list: reached at a number, or at a number and a keyword prefix when several lists share
/// one number ("PIZZA STOP"), with its own texts and keyword lists (the mProfi article's "groups").
/// Texts are final SMS bodies; `transliterate` keeps Polish texts in GSM-7.
public struct SMSList: KeywordList, Equatable, Codable {
    public var number: String
    /// The first word that picks this list among those sharing `number`; nil for the number's own list.
    public var prefix: String?
    public var name: String
    public var welcome: String
    public var farewell: String
    public var help: String
    /// Answer to anything that is not a keyword; nil means such messages are only logged.
    public var autoreply: String?
    public var keywords: SMSKeywords
    /// Only subscribed numbers get the autoreply.
    public var subscribersOnly: Bool
    public var transliterate: Bool
    /// At most one autoreply per number per this many days.
    public var days: Int

    public init(number: String, prefix: String? = nil, name: String, welcome: String, farewell: String, help: String,
                autoreply: String? = nil, keywords: SMSKeywords = .standard, subscribersOnly: Bool = false,
                transliterate: Bool = false, days: Int = 7) {
        self.number = number
        self.prefix = prefix.map(SMSKeywords.fold)
        self.name = name
        self.welcome = welcome
        self.farewell = farewell
        self.help = help
        self.autoreply = autoreply
        self.keywords = keywords
        self.subscribersOnly = subscribersOnly
        self.transliterate = transliterate
        self.days = days
    }

    /// What subscriptions and queued replies are filed under: the number, plus the prefix if any.
    public var key: String { Self.key(number: number, prefix: prefix) }

    public static func key(number: String, prefix: String?) -> String {
        prefix.map { "\(number) \(SMSKeywords.fold($0))" } ?? number
    }
}

/// What the store knows about the sender on this list.
public struct SMSFacts: Sendable, Equatable {
    public var optedOut: Bool
    public var subscribed: Bool
    public var lastAutoreplyAt: Date?

    public init(optedOut: Bool = false, subscribed: Bool = false, lastAutoreplyAt: Date? = nil) {
        self.optedOut = optedOut
        self.subscribed = subscribed
        self.lastAutoreplyAt = lastAutoreplyAt
    }
}

public struct SMSDecision: Sendable, Equatable {
    public enum Subscription: Sendable, Equatable {
        case optOut
        case optIn
    }

    public enum Reason: String, Sendable, Equatable {
        case alreadyOptedOut = "already-opted-out"
        case optedOut = "opted-out"
        case notSubscribed = "not-subscribed"
        case alreadyReplied = "already-replied-within-period"
        case noAutoreply = "no-autoreply"
    }

    public var intent: SMSKeywords.Intent
    /// The change to record, if any: an opt-out is recorded even when no farewell goes out.
    public var subscription: Subscription?
    /// The SMS to send back, or nil with `reason`.
    public var reply: String?
    public var reason: Reason?
}

/// The keyword policy of SMS and e-mail lists: STOP records the opt-out and sends one farewell; after it only START is
/// answered and nothing else reaches the number. START records the opt-in and sends the welcome;
/// HELP sends the help text; anything else gets the list's autoreply under the same
/// once-per-period rule as e-mail. Pure.
public enum SMSPolicy {
    /// - Parameter intent: what routing already knows the message means (a list's prefix alone is an
    ///   opt-in; a bare opt-out to a shared number is an opt-out for every list there); nil reads it
    ///   from `text` with the list's own keywords.
    public static func decide(text: String, list: some KeywordList, facts: SMSFacts, now: Date,
                              intent known: SMSKeywords.Intent? = nil) -> SMSDecision {
        let intent = known ?? list.keywords.intent(of: text)
        func send(_ body: String) -> String { list.transliterate ? SMSText.transliteratePolish(body) : body }
        switch intent {
        case .optOut:
            if facts.optedOut {
                return SMSDecision(intent: intent, subscription: .optOut, reply: nil, reason: .alreadyOptedOut)
            }
            return SMSDecision(intent: intent, subscription: .optOut, reply: send(list.farewell), reason: nil)
        case .optIn:
            return SMSDecision(intent: intent, subscription: .optIn, reply: send(list.welcome), reason: nil)
        case .help:
            if facts.optedOut { return SMSDecision(intent: intent, subscription: nil, reply: nil, reason: .optedOut) }
            return SMSDecision(intent: intent, subscription: nil, reply: send(list.help), reason: nil)
        case .message:
            if facts.optedOut { return SMSDecision(intent: intent, subscription: nil, reply: nil, reason: .optedOut) }
            if list.subscribersOnly && !facts.subscribed {
                return SMSDecision(intent: intent, subscription: nil, reply: nil, reason: .notSubscribed)
            }
            guard let autoreply = list.autoreply else {
                return SMSDecision(intent: intent, subscription: nil, reply: nil, reason: .noAutoreply)
            }
            if let last = facts.lastAutoreplyAt, now < last.addingTimeInterval(TimeInterval(max(list.days, 1)) * 86_400) {
                return SMSDecision(intent: intent, subscription: nil, reply: nil, reason: .alreadyReplied)
            }
            return SMSDecision(intent: intent, subscription: nil, reply: send(autoreply), reason: nil)
        }
    }
}
