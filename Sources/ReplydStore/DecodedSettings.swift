import Foundation
import ReplydCore
import Synchronization

/// Settings stored as JSON (a vacation, a mail list), decoded once per distinct text rather than
/// once per message: every message to a mailbox reads the same settings inside the writer's
/// transaction, where decoding was a large share of the time. Keyed by the text itself, so a change
/// is a new key and nothing can go stale; bounded, so a store with many mailboxes does not grow it
/// without end.
final class DecodedSettings: Sendable {
    private struct Entries {
        var vacations: [String: Vacation] = [:]
        var mailLists: [String: MailList] = [:]
    }

    static let capacity = 4_096
    private let entries = Mutex(Entries())

    func vacation(_ json: String) throws -> Vacation {
        if let hit = entries.withLock({ $0.vacations[json] }) { return hit }
        let decoded = try JSONDecoder().decode(Vacation.self, from: Data(json.utf8))
        entries.withLock { entries in
            if entries.vacations.count >= Self.capacity { entries.vacations.removeAll(keepingCapacity: true) }
            entries.vacations[json] = decoded
        }
        return decoded
    }

    func mailList(_ json: String) throws -> MailList {
        if let hit = entries.withLock({ $0.mailLists[json] }) { return hit }
        let decoded = try JSONDecoder().decode(MailList.self, from: Data(json.utf8))
        entries.withLock { entries in
            if entries.mailLists.count >= Self.capacity { entries.mailLists.removeAll(keepingCapacity: true) }
            entries.mailLists[json] = decoded
        }
        return decoded
    }
}
