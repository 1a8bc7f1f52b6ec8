import Foundation
import GRDB
import ReplydCore
import ReplydPipeline

/// The SQLite store: one WAL-mode database file, migrated on open.
///
/// Durability: `synchronous = FULL`, so a commit that returned survives a power cut, not only a
/// `kill -9`. The pipeline group-commits concurrent messages into one `transaction` (one fsync).
public final class SQLiteStore: AdminStore, Sendable {
    let pool: DatabasePool
    let completions: GroupCommitter<Completion, NotificationSent?>
    let settings = DecodedSettings()
    public let location: String

    public init(path: String) throws {
        location = path
        var configuration = GRDB.Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // 64 MiB of page cache per connection instead of SQLite's 2 MiB: history and contact
            // indexes of a large organisation stay in memory.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets NORMAL when it turns WAL on; NORMAL survives a crash of the process but not of the
        // machine. We acknowledge mail on commit, so the commit must be on disk.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try Schema.migrator.migrate(pool)
        self.pool = pool
        self.completions = GroupCommitter { batch in try await Self.commitCompletions(batch, pool: pool) }
    }

    /// Opens an existing database for reading only (`replyd log` beside a running server).
    public init(readingFrom path: String) throws {
        location = path
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // A database written by an older replyd must be migrated by a writer first; reading it as
        // it is would fail on a missing table with a less helpful message.
        guard try pool.read({ try Schema.migrator.hasCompletedMigrations($0) }) else {
            throw OutdatedDatabase(path: path)
        }
        self.pool = pool
        self.completions = GroupCommitter { _ in throw DatabaseError(resultCode: .SQLITE_READONLY) }
    }

    public struct OutdatedDatabase: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "\(path) was written by an older replyd: start `replyd serve` once to migrate it"
        }
    }

    public func close() throws {
        try pool.close()
    }

    public func recentInbound(limit: Int) async throws -> [InboundSummary] {
        try await recentInbound(limit: limit, beforeOrAt: Int64.max)
    }

    public func recentInbound(limit: Int, beforeOrAt maxID: Int64) async throws -> [InboundSummary] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, channel, received_at, envelope_sender, subject, message_id, remote_address,
                       tls_version, helo, size, spf_result, spf_identity, spf_domain, spf_detail, spf_explanation, trace
                FROM inbound_message WHERE id <= ? ORDER BY id DESC LIMIT ?
                """, arguments: [maxID, limit])
            let recipientStatement = try db.cachedStatement(sql: "SELECT address FROM inbound_recipient WHERE message = ? ORDER BY position")
            let decisionStatement = try db.cachedStatement(sql: """
                SELECT d.action, d.reason, o.status, o.attempts FROM decision d LEFT JOIN outbound o ON o.id = d.outbound
                WHERE d.message = ? ORDER BY d.id
                """)
            return try rows.map { row in
                let id: Int64 = row["id"]
                var summary = InboundSummary(
                    id: id, receivedAt: row["received_at"], channel: row["channel"],
                    sender: row["envelope_sender"],
                    recipients: try String.fetchAll(recipientStatement, arguments: [id]),
                    subject: row["subject"], messageID: row["message_id"],
                    remoteAddress: row["remote_address"], tlsVersion: row["tls_version"], size: row["size"])
                summary.helo = row["helo"]
                summary.trace = row["trace"]
                if let code = (row["spf_result"] as String?).flatMap(SPFResult.Code.init(rawValue:)) {
                    summary.spf = SPFResult(code: code, identity: SPFResult.Identity(rawValue: row["spf_identity"] ?? "") ?? .mailfrom,
                                            domain: row["spf_domain"] ?? "", explanation: row["spf_explanation"], detail: row["spf_detail"] ?? "")
                }
                let decisions = try Row.fetchAll(decisionStatement, arguments: [id])
                summary.decisions = decisions.map { decision in
                    decision["action"] == "reply" ? "replied" : (decision["reason"] as String? ?? "suppressed")
                }
                summary.deliveries = decisions.compactMap { decision in
                    guard let status: String = decision["status"] else { return nil }
                    return status == "queued" && (decision["attempts"] as Int? ?? 0) > 0 ? "deferred" : status
                }
                return summary
            }
        }
    }

    /// The stored raw bytes of a message, exactly as received after dot-unstuffing.
    public func rawMessage(id: Int64) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT raw FROM inbound_raw WHERE message = ?", arguments: [id]).map { Array($0) }
        }
    }
}

extension SQLiteStore: StoreBackend {}

/// The pipeline runs in one write transaction per call (a group commit holds many messages).
extension SQLiteStore: PipelineStore {
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any ReplyTransaction) throws -> T) async throws -> T {
        let started = ContinuousClock.now
        let settings = self.settings
        let result = try await pool.write { db in try body(SQLiteReplyTransaction(db: db, settings: settings)) }
        StoreMetrics.committed(backend: "sqlite", duration: ContinuousClock.now - started)
        return result
    }

    public func rehearsal<T: Sendable>(_ body: @escaping @Sendable (any ReplyTransaction) throws -> T) async throws -> T {
        let settings = self.settings
        return try await pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction {
                result = try body(SQLiteReplyTransaction(db: db, settings: settings))
                return .rollback
            }
            guard let result else { throw DatabaseError(resultCode: .SQLITE_ERROR, message: "rehearsal returned nothing") }
            return result
        }
    }
}
