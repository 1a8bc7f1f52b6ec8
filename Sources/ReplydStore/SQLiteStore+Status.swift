import Foundation
import GRDB
import ReplydCore

/// Figures for `replyd status`, the admin API's status and the metrics' gauges.
extension SQLiteStore {

    public func status(now: Date) async throws -> StoreStatus {
        try await pool.read { db in
            let queued = try Row.fetchAll(db, sql: "SELECT channel, COUNT(*) AS n FROM outbound WHERE status = 'queued' GROUP BY channel")
            let vacations = try String.fetchAll(db, sql: "SELECT settings FROM vacation")
                .compactMap { try? JSONDecoder().decode(Vacation.self, from: Data($0.utf8)) }
            return StoreStatus(
                inboundMessages: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbound_message") ?? 0,
                inboundSMS: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbound_sms") ?? 0,
                queued: Dictionary(uniqueKeysWithValues: queued.map { ($0["channel"] as String, $0["n"] as Int) }),
                failed: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbound WHERE status = 'failed'") ?? 0,
                oldestQueuedAt: try Date.fetchOne(db, sql: "SELECT MIN(created_at) FROM outbound WHERE status = 'queued' AND next_attempt_at <= ?",
                                                  arguments: [now]),
                activeVacations: vacations.filter { $0.isActive(at: now) }.count)
        }
    }
}
