import Foundation
import GRDB
import ReplydCore

/// Retention: what a message said goes after `storage.retention_days`; that it arrived, what was
/// decided and what was sent stay, so `log` and `explain` keep working on old messages.
extension SQLiteStore {

    /// Removes the raw bytes and header fields of inbound messages received before `cutoff`, in
    /// batches so a large backlog never holds the write lock for long.
    public func pruneRaw(receivedBefore cutoff: Date, batch: Int = 1000) async throws -> PruneResult {
        var total = 0
        while true {
            let pruned = try await pool.write { db -> Int in
                // Driven from inbound_raw, so pruned history is never walked again: ids grow with
                // time, and every message up to the newest one older than the cutoff is old enough.
                let ids = try Int64.fetchAll(db, sql: """
                    SELECT message FROM inbound_raw
                    WHERE message <= (SELECT MAX(id) FROM inbound_message WHERE received_at < ?)
                    ORDER BY message LIMIT ?
                    """, arguments: [cutoff, batch])
                for id in ids {
                    try db.execute(sql: "DELETE FROM inbound_raw WHERE message = ?", arguments: [id])
                }
                return ids.count
            }
            total += pruned
            if pruned < batch { return PruneResult(messages: total) }
        }
    }
}
