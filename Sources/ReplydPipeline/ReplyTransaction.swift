import Foundation
import ReplydCore

/// Everything the pipeline reads and writes, inside one transaction of the store. The store answers
/// with SQL only; what the answers mean (policy, routing, composing) is the pipeline's.
///
/// Keys such as `claimReply` are enforced by the store's unique constraints, not by the facts read
/// before them: another node may have written a moment ago.
public protocol ReplyTransaction {
    // MARK: Facts: mail

    /// The mail list at exactly this (lower-cased) address.
    func mailList(address: String) throws -> MailList?
    /// The vacation of the mailbox at this address or one of its aliases, its aliases filled in.
    func vacation(address: String) throws -> Vacation?
    /// A mailbox or alias created through the API or the command line has this address.
    func isStoredLocalAddress(_ address: String) throws -> Bool
    /// The sender is a contact of `owner` or of everyone (`*`).
    func isContact(owner: String, address: String) throws -> Bool
    func lastReply(_ key: ReplyKey) throws -> Date?
    /// Vacation replies queued for `mailbox` since `since` (the per-hour cap).
    func vacationReplies(mailbox: String, since: Date) throws -> Int
    func mailSubscription(list: String, address: String) throws -> SubscriptionStatus?
    func pendingConfirmation(list: String, address: String) throws -> PendingConfirmation?
    /// Confirmations of `list` requested since `since`.
    func pendingConfirmations(list: String, since: Date) throws -> Int

    // MARK: Facts: SMS and notifications

    /// Every list reached at `number`, prefixed or not.
    func smsLists(number: String) throws -> [SMSList]
    func smsSubscription(list: String, number: String) throws -> SMSSubscription?
    func notificationHistory(order: String, event: String, email: String?, phone: String?) throws -> NotificationHistory
    /// A template saved for this event, channel and locale (nil: use the built-in one).
    func savedTemplate(event: String, channel: NotificationChannel, locale: String) throws -> NotificationTemplate?

    // MARK: Writes

    func recordMail(_ message: InboundMessage) throws -> Int64
    /// Nil when the provider sent this message before.
    func recordSMS(_ sms: InboundSMS) throws -> Int64?
    /// What a provider's message id was recorded with the first time.
    func recordedSMS(provider: String, providerID: String) throws -> RecordedSMS?
    func recordSMSOutcome(id: Int64, list: String, intent: String?, answered: Bool, reason: String?, outbound: Int64?) throws
    func recordNotification(_ request: NotificationRequest, record: NotificationEntry) throws -> Int64
    /// Takes the once-per-period key: false when a reply inside the period already holds it.
    func claimReply(_ key: ReplyKey, at now: Date, period: TimeInterval) throws -> Bool
    func recordDecision(_ decision: RecordedDecision, message: Int64, outbound: Int64?) throws
    /// The one way into the durable outbound queue.
    func enqueue(_ message: OutboundMessage) throws -> Int64
    func setSubscription(_ change: SubscriptionChange) throws
    /// The sender got the list's automatic answer to a plain message now (the once-per-period gate).
    func noteAutoreply(list: String, number: String, at now: Date) throws
    func setPendingConfirmation(list: String, address: String, token: String, at now: Date) throws
    func clearPendingConfirmation(list: String, address: String) throws
}

/// A store the pipeline runs in: one write transaction per call, committed or rolled back.
public protocol PipelineStore: Sendable {
    /// Runs `body` in one write transaction and commits it; nothing of it stays if it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any ReplyTransaction) throws -> T) async throws -> T
    /// Runs `body` in one write transaction and rolls it back: what it would do, storing nothing.
    func rehearsal<T: Sendable>(_ body: @escaping @Sendable (any ReplyTransaction) throws -> T) async throws -> T
    /// How many of its write transactions are worth running at once (1: one writer).
    var concurrentTransactions: Int { get }
}

extension PipelineStore {
    public var concurrentTransactions: Int { 1 }
}

/// The once-per-period key of a reply: this mailbox (or list) answered this sender with this text.
public struct ReplyKey: Sendable, Equatable, Hashable {
    public var mailbox: String
    public var sender: String
    public var responseID: String

    public init(mailbox: String, sender: String, responseID: String) {
        self.mailbox = mailbox
        self.sender = sender
        self.responseID = responseID
    }
}

public enum SubscriptionStatus: String, Sendable, Equatable {
    case subscribed = "in"
    case optedOut = "out"
}

public struct SMSSubscription: Sendable, Equatable {
    public var status: SubscriptionStatus
    public var lastAutoreplyAt: Date?

    public init(status: SubscriptionStatus, lastAutoreplyAt: Date?) {
        self.status = status
        self.lastAutoreplyAt = lastAutoreplyAt
    }
}

public struct PendingConfirmation: Sendable, Equatable {
    public var token: String
    public var requestedAt: Date

    public init(token: String, requestedAt: Date) {
        self.token = token
        self.requestedAt = requestedAt
    }
}

/// What notifications were scheduled before, for the fatigue rules.
public struct NotificationHistory: Sendable, Equatable {
    public var scheduledForOrder: Int
    /// The first scheduled notification of this order and event.
    public var previousForEvent: Int64?
    /// When the customer (by e-mail or phone) was last sent one.
    public var lastToCustomer: Date?

    public init(scheduledForOrder: Int, previousForEvent: Int64?, lastToCustomer: Date?) {
        self.scheduledForOrder = scheduledForOrder
        self.previousForEvent = previousForEvent
        self.lastToCustomer = lastToCustomer
    }
}

/// A notification as it is recorded: the request's fate.
public struct NotificationEntry: Sendable, Equatable {
    /// `scheduled` or `held`.
    public var status: String
    public var reason: String?
    public var notes: [String]
    public var requestedAt: Date
    public var sendAt: Date?
    /// The customer's quiet hours and time zone, which later retries keep to.
    public var quietHours: String?
    public var timeZone: String?

    public init(status: String, reason: String?, notes: [String], requestedAt: Date, sendAt: Date?,
                quietHours: String?, timeZone: String?) {
        self.status = status
        self.reason = reason
        self.notes = notes
        self.requestedAt = requestedAt
        self.sendAt = sendAt
        self.quietHours = quietHours
        self.timeZone = timeZone
    }
}

/// An SMS as first recorded: a retried webhook is answered with this again.
public struct RecordedSMS: Sendable, Equatable {
    public var id: Int64
    public var list: String?
    public var intent: String?
    public var answered: Bool
    public var reason: String?

    public init(id: Int64, list: String?, intent: String?, answered: Bool, reason: String?) {
        self.id = id
        self.list = list
        self.intent = intent
        self.answered = answered
        self.reason = reason
    }
}

/// A decision row of a mail recipient, as `replyd explain` shows it.
public struct RecordedDecision: Sendable, Equatable {
    public var recipient: String
    /// The mailbox or list address that decided.
    public var mailbox: String?
    /// Nil: answered.
    public var reason: String?
    public var checks: [RuleCheck]
    public var at: Date

    public init(recipient: String, mailbox: String?, reason: String?, checks: [RuleCheck], at: Date) {
        self.recipient = recipient
        self.mailbox = mailbox
        self.reason = reason
        self.checks = checks
        self.at = at
    }
}
