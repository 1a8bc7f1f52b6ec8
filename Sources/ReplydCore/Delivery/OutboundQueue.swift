import Foundation

/// A queued message claimed for delivery.
public struct OutboundItem: Sendable, Equatable {
    public var id: Int64
    public var envelopeSender: String
    public var recipient: String
    public var data: [UInt8]
    /// Attempts made before this one.
    public var attempts: Int
    public var createdAt: Date
    /// Another worker held this item and its lease ran out: that worker may have died after the far
    /// side's 250 and before recording it, so this delivery may be a duplicate.
    public var resumed: Bool
    /// A notification's quiet hours ("21:00-08:00") and the customer's time zone: its retries keep
    /// out of them too.
    public var quietHours: String?
    public var timeZone: String?

    public init(id: Int64, envelopeSender: String, recipient: String, data: [UInt8], attempts: Int, createdAt: Date,
                resumed: Bool = false, quietHours: String? = nil, timeZone: String? = nil) {
        self.resumed = resumed
        self.quietHours = quietHours
        self.timeZone = timeZone
        self.id = id
        self.envelopeSender = envelopeSender
        self.recipient = recipient
        self.data = data
        self.attempts = attempts
        self.createdAt = createdAt
    }

    /// `next`, with a retry that would land in the customer's quiet hours moved to their end.
    public func keepingQuietHours(_ next: RetrySchedule.Next) -> RetrySchedule.Next {
        guard case .retry(let at) = next, let window = quietHours.flatMap(QuietHours.parse),
              let zone = timeZone.flatMap(TimeZone.init(identifier:)) else { return next }
        return .retry(at: window.nextAllowed(after: at, in: zone))
    }

    public var recipientDomain: String { MailAddress.domain(of: recipient) }
}

/// What a queued item travels over; each has its own worker.
public enum OutboundChannel: String, Sendable, Equatable {
    case email
    case sms
}

/// The durable outbound queue as the delivery worker needs it. Claims are leases with an owner and
/// an expiry, so two workers (two processes, later two nodes) never deliver the same item at once,
/// and an item whose worker died is claimed again when its lease runs out.
public protocol OutboundQueue: Sendable {
    /// Leases up to `limit` due items. An SMS is first put to `gate` in the same transaction, with
    /// the time its number opted out of the item's list (nil: not opted out): what it refuses is
    /// recorded as suppressed, never handed out.
    func claimDue(channel: OutboundChannel, owner: String, now: Date, limit: Int, lease: Duration,
                  gate: @Sendable (SMSSendGate.Candidate) -> SMSSendGate.Verdict) async throws -> [OutboundItem]
    /// Records the attempt and what follows (sent, retry at, failed) in one transaction.
    func complete(_ item: OutboundItem, outcome: DeliveryOutcome, next: RetrySchedule.Next, at now: Date) async throws
    /// Extends the leases of items still being delivered, so a slow delivery is never taken over.
    func renew(_ ids: [Int64], owner: String, until: Date) async throws
    /// Gives a claimed item back untouched (e.g. its destination is busy).
    func release(_ id: Int64, owner: String) async throws
    /// When the next queued item falls due, if any.
    func nextDue(channel: OutboundChannel) async throws -> Date?
}

extension OutboundQueue {
    /// Claims with the standard opt-out gate.
    public func claimDue(channel: OutboundChannel, owner: String, now: Date, limit: Int, lease: Duration) async throws -> [OutboundItem] {
        try await claimDue(channel: channel, owner: owner, now: now, limit: limit, lease: lease, gate: SMSSendGate.verdict)
    }
}
