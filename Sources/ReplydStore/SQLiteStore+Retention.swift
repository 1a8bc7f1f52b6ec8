import Foundation
import GRDB

/// Retention: what a message said goes after `storage.retention_days`; that it arrived, what was
/// decided and what was sent stay, so `log` and `explain` keep working on old messages.
extension SQLiteStore {
    public struct PruneResult: Sendable, Equatable {
        /// Messages whose raw bytes and header fields were removed.
        public var messages: Int
    }

    /// Removes the raw bytes and header fields of inbound messages received before `cutoff`, in
    /// batches so a large backlog never holds the write lock for long.
    public func pruneRaw(receivedBefore cutoff: Date, batch: Int = 1000) async throws -> PruneResult {
        var total = 0
        while true {
            let pruned = try await pool.write { db -> Int in
                let ids = try Int64.fetchAll(db, sql: """
                    SELECT r.message FROM inbound_raw r JOIN inbound_message m ON m.id = r.message
                    WHERE m.received_at < ? LIMIT ?
                    """, arguments: [cutoff, batch])
                for id in ids {
                    try db.execute(sql: "DELETE FROM inbound_raw WHERE message = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM inbound_header WHERE message = ?", arguments: [id])
                }
                return ids.count
            }
            total += pruned
            if pruned < batch { return PruneResult(messages: total) }
        }
    }
}
