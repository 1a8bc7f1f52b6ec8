import Foundation
import ReplydCore

/// What one inbound message, SMS or notification request led to: recorded when the transaction
/// commits, or only shown when it is a rehearsal (`replyd simulate`, the vacation preview).
public struct Outcome: Sendable, Equatable {
    public enum Inbound: Sendable, Equatable {
        case mail(id: Int64)
        /// `duplicate`: the provider sent this message before; nothing was done again.
        case sms(id: Int64, duplicate: Bool)
        case notification(id: Int64)
        /// The same order and event was notified before (that notification's id); nothing recorded.
        case duplicateNotification(of: Int64)
    }

    public var inbound: Inbound
    /// One per mail recipient, one per SMS, one per notification.
    public var verdicts: [Verdict]
    public var subscriptionChanges: [SubscriptionChange] = []
    public var queued: [QueuedMessage] = []

    public init(inbound: Inbound, verdicts: [Verdict] = [], subscriptionChanges: [SubscriptionChange] = [],
                queued: [QueuedMessage] = []) {
        self.inbound = inbound
        self.verdicts = verdicts
        self.subscriptionChanges = subscriptionChanges
        self.queued = queued
    }

    public var id: Int64 {
        switch inbound {
        case .mail(let id), .sms(let id, _), .notification(let id), .duplicateNotification(let id): id
        }
    }
}

/// The decision for one recipient, number or order, with the rule checks that led to it.
public struct Verdict: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case vacation
        case mailList = "mail-list"
        case smsList = "sms-list"
        case notification
    }

    public var kind: Kind
    /// The mail recipient, the number written to, or the order id.
    public var recipient: String
    /// The mailbox, list address, SMS list key or notification event that decided.
    public var decidedBy: String?
    /// A keyword's intent (`SMSKeywords.Intent` raw value), if any.
    public var intent: String?
    /// Something was queued in answer.
    public var answered: Bool
    /// Why not, or why not as asked (a code first: `already-replied-within-period`, `list: not-a-keyword`).
    public var reason: String?
    public var checks: [RuleCheck]
    /// Adjustments made on the way (a notification moved out of quiet hours).
    public var notes: [String]
    /// Ids of what was queued for it.
    public var outbound: [Int64]

    public init(kind: Kind, recipient: String, decidedBy: String?, intent: String? = nil, answered: Bool, reason: String?,
                checks: [RuleCheck] = [], notes: [String] = [], outbound: [Int64] = []) {
        self.kind = kind
        self.recipient = recipient
        self.decidedBy = decidedBy
        self.intent = intent
        self.answered = answered
        self.reason = reason
        self.checks = checks
        self.notes = notes
        self.outbound = outbound
    }
}

/// A subscribe or unsubscribe, on a mail list or an SMS list (or a sending number).
public struct SubscriptionChange: Sendable, Equatable {
    public var channel: OutboundChannel
    /// Mail list address, SMS list key, or a number without a list.
    public var list: String
    public var address: String
    public var status: SubscriptionStatus
    public var at: Date

    public init(channel: OutboundChannel, list: String, address: String, status: SubscriptionStatus, at: Date) {
        self.channel = channel
        self.list = list
        self.address = address
        self.status = status
        self.at = at
    }
}

/// A message as it was put into the queue.
public struct QueuedMessage: Sendable, Equatable {
    public var id: Int64
    public var message: OutboundMessage

    public init(id: Int64, message: OutboundMessage) {
        self.id = id
        self.message = message
    }
}
