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

    public init(id: Int64, envelopeSender: String, recipient: String, data: [UInt8], attempts: Int, createdAt: Date,
                resumed: Bool = false) {
        self.resumed = resumed
        self.id = id
        self.envelopeSender = envelopeSender
        self.recipient = recipient
        self.data = data
        self.attempts = attempts
        self.createdAt = createdAt
    }

    public var recipientDomain: String {
        recipient.lastIndex(of: "@").map { String(recipient[recipient.index(after: $0)...]).lowercased() } ?? ""
    }
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
    func claimDue(channel: OutboundChannel, owner: String, now: Date, limit: Int, lease: Duration) async throws -> [OutboundItem]
    /// Records the attempt and what follows (sent, retry at, failed) in one transaction.
    func complete(_ item: OutboundItem, outcome: DeliveryOutcome, next: RetrySchedule.Next, at now: Date) async throws
    /// Extends the leases of items still being delivered, so a slow delivery is never taken over.
    func renew(_ ids: [Int64], owner: String, until: Date) async throws
    /// Gives a claimed item back untouched (e.g. its destination is busy).
    func release(_ id: Int64, owner: String) async throws
    /// When the next queued item falls due, if any.
    func nextDue(channel: OutboundChannel) async throws -> Date?
}
