import Foundation
import ReplydCore
import Synchronization

/// The outbound queue in memory, with the leases and the bookkeeping of the real one (and no opt-out
/// gate: e-mail only), for tests of the delivery worker that want to see every call it makes.
public final class MemoryOutboundQueue: OutboundQueue {
    public struct Entry: Sendable, Equatable {
        public var item: OutboundItem
        public var dueAt: Date
        public var leaseOwner: String?
        public var leaseUntil: Date?
        /// `queued`, `sent` or `failed`.
        public var status = "queued"
        /// Every recorded attempt: its outcome and what was decided after it.
        public var completions: [(DeliveryOutcome, RetrySchedule.Next)] = []

        public static func == (a: Entry, b: Entry) -> Bool {
            a.item == b.item && a.dueAt == b.dueAt && a.status == b.status && a.leaseOwner == b.leaseOwner
        }
    }

    private let entries = Mutex<[Int64: Entry]>([:])
    /// Every lease renewal: (ids, until).
    public let renewals = Mutex<[([Int64], Date)]>([])
    /// Every item given back untouched.
    public let released = Mutex<[Int64]>([])

    public init() {}

    /// Queues a reply to `recipient`, due at `due`.
    @discardableResult
    public func add(recipient: String, due: Date, createdAt: Date? = nil) -> Int64 {
        entries.withLock { entries in
            let id = Int64(entries.count + 1)
            entries[id] = Entry(item: OutboundItem(id: id, envelopeSender: "", recipient: recipient, data: Array("m".utf8), attempts: 0,
                                                   createdAt: createdAt ?? due), dueAt: due)
            return id
        }
    }

    public func entry(_ id: Int64) -> Entry? { entries.withLock { $0[id] } }

    public var all: [Entry] { entries.withLock { $0.values.sorted { $0.item.id < $1.item.id } } }

    public func claimDue(channel: OutboundChannel, owner: String, now: Date, limit: Int, lease: Duration,
                         gate: @Sendable (SMSSendGate.Candidate) -> SMSSendGate.Verdict) async throws -> [OutboundItem] {
        entries.withLock { entries in
            let due = entries.values
                .filter { $0.status == "queued" && $0.dueAt <= now && ($0.leaseUntil.map { $0 < now } ?? true) }
                .sorted { ($0.dueAt, $0.item.id) < ($1.dueAt, $1.item.id) }
                .prefix(limit)
            return due.map { entry in
                var claimed = entry
                // A lease that ran out under another owner: that worker may have sent it already.
                claimed.item.resumed = entry.leaseOwner != nil && entry.leaseOwner != owner
                claimed.leaseOwner = owner
                claimed.leaseUntil = now.addingTimeInterval(lease.timeInterval)
                entries[entry.item.id] = claimed
                return claimed.item
            }
        }
    }

    public func complete(_ item: OutboundItem, outcome: DeliveryOutcome, next: RetrySchedule.Next, at now: Date) async throws {
        entries.withLock { entries in
            guard var entry = entries[item.id] else { return }
            entry.item.attempts += 1
            entry.completions.append((outcome, next))
            entry.leaseOwner = nil
            entry.leaseUntil = nil
            switch next {
            case .done: entry.status = "sent"
            case .retry(let at): entry.dueAt = at
            case .giveUp: entry.status = "failed"
            }
            entries[item.id] = entry
        }
    }

    public func renew(_ ids: [Int64], owner: String, until: Date) async throws {
        guard !ids.isEmpty else { return }
        entries.withLock { entries in
            for id in ids where entries[id]?.leaseOwner == owner { entries[id]?.leaseUntil = until }
        }
        // Recorded once in force, so a test that waits for the record sees the renewed lease.
        renewals.withLock { $0.append((ids.sorted(), until)) }
    }

    public func release(_ id: Int64, owner: String) async throws {
        released.withLock { $0.append(id) }
        entries.withLock { entries in
            guard entries[id]?.leaseOwner == owner else { return }
            entries[id]?.leaseOwner = nil
            entries[id]?.leaseUntil = nil
        }
    }

    public func nextDue(channel: OutboundChannel) async throws -> Date? {
        entries.withLock { $0.values.filter { $0.status == "queued" }.map(\.dueAt).min() }
    }
}
