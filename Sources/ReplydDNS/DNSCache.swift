import Foundation
import Synchronization

/// Answers kept for their TTL, as a local caching resolver would: every message from the same
/// domain asks the same SPF questions, and a gateway should not repeat them to the name server for
/// each one. Only whole answers (NOERROR or NXDOMAIN, not truncated) are kept; a failure never is,
/// so the next message asks again.
public final class DNSCache: Sendable {
    struct Key: Hashable {
        var name: String
        var type: UInt16
    }

    struct Entry {
        var response: DNSMessage.Response
        var expires: Date
    }

    /// How long an answer without records (NXDOMAIN or empty) is kept: RFC 2308 takes it from the
    /// zone's SOA, which is not read here; a short fixed time errs on the side of asking again.
    public static let negativeTTL: TimeInterval = 30
    /// No answer is kept longer than this, whatever its TTL says.
    public static let maxTTL: TimeInterval = 3600

    let capacity: Int
    let now: @Sendable () -> Date
    private let entries = Mutex<[Key: Entry]>([:])

    public init(capacity: Int = 10_000, now: @escaping @Sendable () -> Date = { Date() }) {
        self.capacity = capacity
        self.now = now
    }

    public func answer(_ name: String, _ type: DNSMessage.RecordType) -> DNSMessage.Response? {
        let key = Key(name: name, type: type.rawValue)
        let at = now()
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expires > at else {
                entries[key] = nil
                return nil
            }
            return entry.response
        }
    }

    public func keep(_ response: DNSMessage.Response, for name: String, _ type: DNSMessage.RecordType) {
        guard !response.truncated, response.responseCode == 0 || response.responseCode == 3 else { return }
        let relevant = response.answers.filter { $0.type == type.rawValue || $0.type == DNSMessage.RecordType.cname.rawValue }
        let ttl = relevant.isEmpty ? Self.negativeTTL : min(Self.maxTTL, TimeInterval(relevant.map(\.ttl).min() ?? 0))
        guard ttl > 0 else { return }
        let at = now()
        entries.withLock { entries in
            if entries.count >= capacity {
                // Expired entries go first; if that frees nothing, start over rather than grow.
                entries = entries.filter { $0.value.expires > at }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[Key(name: name, type: type.rawValue)] = Entry(response: response, expires: at.addingTimeInterval(ttl))
        }
    }
}
