import Foundation

// What the stores return to the command line and the admin API: plain records, the same whichever
// database holds them.

/// One stored decision, as `replyd explain` and `replyd log` show it.
public struct DecisionRecord: Sendable, Equatable {
    public var recipient: String
    public var mailbox: String?
    public var replied: Bool
    public var reason: String?
    public var checks: [RuleCheck]
    public var outboundID: Int64?
    public var decidedAt: Date

    public init(recipient: String, mailbox: String?, replied: Bool, reason: String?, checks: [RuleCheck], outboundID: Int64?,
                decidedAt: Date) {
        self.recipient = recipient
        self.mailbox = mailbox
        self.replied = replied
        self.reason = reason
        self.checks = checks
        self.outboundID = outboundID
        self.decidedAt = decidedAt
    }
}

public struct MailListSummary: Sendable, Equatable {
    public var list: MailList
    public var subscribed: Int
    public var optedOut: Int

    public init(list: MailList, subscribed: Int, optedOut: Int) {
        self.list = list
        self.subscribed = subscribed
        self.optedOut = optedOut
    }
}

public struct MailboxRecord: Sendable, Equatable {
    public var address: String
    public var name: String?
    public var aliases: [String]
    public var createdAt: Date?

    public init(address: String, name: String?, aliases: [String], createdAt: Date?) {
        self.address = address
        self.name = name
        self.aliases = aliases
        self.createdAt = createdAt
    }
}

public enum MailboxChange: Sendable, Equatable {
    case created
    case exists
    /// These aliases are another mailbox's (or a mailbox): nothing was created.
    case aliasesTaken([String])
}

public struct ContactRecord: Sendable, Equatable {
    public var address: String
    public var name: String?
    public var createdAt: Date

    public init(address: String, name: String?, createdAt: Date) {
        self.address = address
        self.name = name
        self.createdAt = createdAt
    }
}

public struct NotificationDelivery: Sendable, Equatable {
    public var channel: String
    public var outboundID: Int64
    public var recipient: String
    /// pending, deferred, sent, failed, dropped or suppressed.
    public var status: String
    public var attempts: Int
    public var dueAt: Date
    public var sentAt: Date?
    public var lastError: String?

    public init(channel: String, outboundID: Int64, recipient: String, status: String, attempts: Int, dueAt: Date, sentAt: Date?,
                lastError: String?) {
        self.channel = channel
        self.outboundID = outboundID
        self.recipient = recipient
        self.status = status
        self.attempts = attempts
        self.dueAt = dueAt
        self.sentAt = sentAt
        self.lastError = lastError
    }
}

public struct NotificationRecord: Sendable, Equatable {
    public var id: Int64
    public var orderID: String
    public var event: String
    public var customer: Customer
    public var data: [String: String]
    public var forced: Bool
    /// `scheduled` (queued on its channels) or `held` (never sent, see `reason`).
    public var status: String
    public var reason: String?
    public var notes: [String]
    public var requestedAt: Date
    public var sendAt: Date?
    public var deliveries: [NotificationDelivery]

    public init(id: Int64, orderID: String, event: String, customer: Customer, data: [String: String], forced: Bool,
                status: String, reason: String?, notes: [String], requestedAt: Date, sendAt: Date?,
                deliveries: [NotificationDelivery]) {
        self.id = id
        self.orderID = orderID
        self.event = event
        self.customer = customer
        self.data = data
        self.forced = forced
        self.status = status
        self.reason = reason
        self.notes = notes
        self.requestedAt = requestedAt
        self.sendAt = sendAt
        self.deliveries = deliveries
    }
}

public struct SavedTemplate: Sendable, Equatable {
    public var event: String
    public var channel: NotificationChannel
    public var locale: String
    public var template: NotificationTemplate

    public init(event: String, channel: NotificationChannel, locale: String, template: NotificationTemplate) {
        self.event = event
        self.channel = channel
        self.locale = locale
        self.template = template
    }
}

public struct QueueEntry: Sendable, Equatable {
    public var id: Int64
    public var channel: String
    /// What it answers: vacation, mail-list, sms-list or notification.
    public var kind: String
    /// The keyword intent a list answer answers (opt-out for a farewell).
    public var intent: String?
    public var status: String
    public var recipient: String
    public var envelopeSender: String
    public var subject: String?
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var attempts: Int
    public var lastError: String?
    public var sentAt: Date?
    public var remoteHost: String?
    /// The inbound message it answers (nil for a notification, or once retention removed it).
    public var inboundMessage: Int64?
    /// The notification it carries.
    public var notification: Int64?
    /// The mailbox a vacation reply answers for.
    public var mailbox: String?
    /// The key of the mail or SMS list whose answer it is.
    public var listKey: String?

    /// As `replyd queue` and the API show it: `pending` (never tried), `deferred` (tried, will retry),
    /// or the stored status.
    public var displayStatus: String { Self.displayStatus(stored: status, attempts: attempts) }

    public static func displayStatus(stored: String, attempts: Int) -> String {
        stored == "queued" ? (attempts > 0 ? "deferred" : "pending") : stored
    }

    public init(id: Int64, channel: String, kind: String, intent: String?, status: String, recipient: String,
                envelopeSender: String, subject: String?, createdAt: Date, nextAttemptAt: Date, attempts: Int,
                lastError: String?, sentAt: Date?, remoteHost: String?) {
        self.id = id
        self.channel = channel
        self.kind = kind
        self.intent = intent
        self.status = status
        self.recipient = recipient
        self.envelopeSender = envelopeSender
        self.subject = subject
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.attempts = attempts
        self.lastError = lastError
        self.sentAt = sentAt
        self.remoteHost = remoteHost
    }
}

/// One delivery attempt of a queued item, as recorded.
public struct AttemptRecord: Sendable, Equatable {
    public var at: Date
    /// The host that answered; nil when none was reached.
    public var host: String?
    /// `delivered`, `temporary` or `permanent`.
    public var outcome: String
    /// The SMTP (or HTTP) status code of the answer that decided it; nil when there was none.
    public var replyCode: Int?
    public var detail: String
    /// The TLS version the connection used; nil when it was not encrypted (or never got that far).
    public var tlsVersion: String?

    public init(at: Date, host: String?, outcome: String, replyCode: Int?, detail: String, tlsVersion: String? = nil) {
        self.tlsVersion = tlsVersion
        self.at = at
        self.host = host
        self.outcome = outcome
        self.replyCode = replyCode
        self.detail = detail
    }
}

/// What `queue retry` and `queue drop` did.
public enum QueueChange: Sendable, Equatable {
    case done
    /// No queued or failed item with that id.
    case notFound
    /// A worker holds it right now (it may be talking to the far side): changing it could send
    /// it twice or mark a sent message dropped.
    case inFlight
}

public struct PruneResult: Sendable, Equatable {
    /// Messages whose raw bytes and header fields were removed.
    public var messages: Int

    public init(messages: Int) {
        self.messages = messages
    }
}

public struct SMSSubscriptionRecord: Sendable, Equatable {
    public var number: String
    public var status: String
    public var changedAt: Date
    public var lastAutoreplyAt: Date?

    public init(number: String, status: String, changedAt: Date, lastAutoreplyAt: Date?) {
        self.number = number
        self.status = status
        self.changedAt = changedAt
        self.lastAutoreplyAt = lastAutoreplyAt
    }
}

public struct StoreStatus: Sendable, Equatable {
    public var inboundMessages: Int
    public var inboundSMS: Int
    /// Queued (pending or deferred) items per channel.
    public var queued: [String: Int]
    public var failed: Int
    /// When the oldest item that is due (not one waiting for quiet hours or a retry) was queued.
    public var oldestQueuedAt: Date?
    public var activeVacations: Int

    public init(inboundMessages: Int, inboundSMS: Int, queued: [String: Int], failed: Int, oldestQueuedAt: Date?,
                activeVacations: Int) {
        self.inboundMessages = inboundMessages
        self.inboundSMS = inboundSMS
        self.queued = queued
        self.failed = failed
        self.oldestQueuedAt = oldestQueuedAt
        self.activeVacations = activeVacations
    }
}

/// An inbound SMS as received, with what was done about it.
public struct InboundSMSRecord: Sendable, Equatable {
    public var id: Int64
    public var provider: String
    public var providerID: String
    public var sender: String
    /// The number it was sent to (ours).
    public var recipient: String
    public var text: String
    public var receivedAt: Date
    /// The key of the list it was routed to; nil when none.
    public var list: String?
    /// `opt-in`, `opt-out`, `help` or `message`.
    public var intent: String?
    /// `reply` or `none`.
    public var action: String?
    public var reason: String?
    /// The queued answer.
    public var outbound: Int64?

    public init(id: Int64, provider: String, providerID: String, sender: String, recipient: String, text: String, receivedAt: Date,
                list: String?, intent: String?, action: String?, reason: String?, outbound: Int64?) {
        self.id = id
        self.provider = provider
        self.providerID = providerID
        self.sender = sender
        self.recipient = recipient
        self.text = text
        self.receivedAt = receivedAt
        self.list = list
        self.intent = intent
        self.action = action
        self.reason = reason
        self.outbound = outbound
    }
}
