import Foundation
import ReplydCore
import Synchronization

/// Settings stored as JSON (a vacation, a mail list), decoded once per distinct text rather than
/// once per message: every message to a mailbox reads the same settings inside the writer's
/// transaction, where decoding was a large share of the time. Keyed by the text itself, so a change
/// is a new key and nothing can go stale; bounded, so a store with many mailboxes does not grow it
/// without end.
public final class DecodedSettings: Sendable {
    static let capacity = 4_096
    private let vacations = Decoded<Vacation>()
    private let mailLists = Decoded<MailList>()

    public init() {}

    public func vacation(_ json: String) throws -> Vacation { try vacations.value(of: json) }

    public func mailList(_ json: String) throws -> MailList { try mailLists.value(of: json) }

    private final class Decoded<Value: Decodable & Sendable>: Sendable {
        private let entries = Mutex<[String: Value]>([:])

        func value(of json: String) throws -> Value {
            if let hit = entries.withLock({ $0[json] }) { return hit }
            let decoded = try JSONDecoder().decode(Value.self, from: Data(json.utf8))
            entries.withLock { entries in
                if entries.count >= DecodedSettings.capacity { entries.removeAll(keepingCapacity: true) }
                entries[json] = decoded
            }
            return decoded
        }
    }
}
