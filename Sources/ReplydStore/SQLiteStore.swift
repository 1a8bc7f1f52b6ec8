import Foundation
import GRDB
import ReplydCore

/// The SQLite store: one WAL-mode database file, migrated on open.
///
/// Durability: `synchronous = FULL`, so a commit that returned survives a power cut, not only a
/// `kill -9`. To keep that affordable under load, concurrent `recordInbound` calls are group-committed:
/// whatever arrives while a transaction is being written goes into the next one, and every caller
/// is answered only after the transaction holding its message has committed.
public final class SQLiteStore: InboundStore, InboundLogReader, Sendable {
    let pool: DatabasePool
    private let committer: GroupCommitter<InboundMessage, Int64>
    let smsCommitter: GroupCommitter<InboundSMS, SMSReceipt>

    /// With `engine`, every recorded message is also decided on and answered in the same
    /// transaction; without it, messages are only logged.
    public init(path: String, engine: ReplyEngineSettings? = nil) throws {
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
        self.committer = GroupCommitter { messages in
            let started = ContinuousClock.now
            let recorded = try await pool.write { db in
                try messages.map { message in
                    let id = try Self.insert(message, into: db)
                    let outcomes = try engine.map { try ReplyEngine.process(message, id: id, engine: $0, db: db) } ?? []
                    return (id, outcomes)
                }
            }
            StoreMetrics.committed(duration: ContinuousClock.now - started)
            for (_, outcomes) in recorded { StoreMetrics.decided(outcomes) }
            return recorded.map(\.0)
        }
        self.smsCommitter = GroupCommitter { batch in try await Self.commitSMS(batch, pool: pool) }
    }

    /// Opens an existing database for reading only (`replyd log` beside a running server).
    public init(readingFrom path: String) throws {
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
        self.committer = GroupCommitter { _ in throw DatabaseError(resultCode: .SQLITE_READONLY) }
        self.smsCommitter = GroupCommitter { _ in throw DatabaseError(resultCode: .SQLITE_READONLY) }
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

    public func recordInbound(_ message: InboundMessage) async throws -> Int64 {
        try await committer.submit(message)
    }

    static func insert(_ message: InboundMessage, into db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO inbound_message (channel, received_at, envelope_sender, remote_address, helo,
                    tls_version, size, message_id, from_header, to_header, cc_header, subject,
                    auto_submitted, precedence, list_id)
                VALUES ('email', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [message.receivedAt, message.envelopeSender, message.remoteAddress, message.helo,
                        message.tlsVersion, message.size, message.messageID, message.from, message.to,
                        message.cc, message.subject, message.autoSubmitted, message.precedence, message.listID])
        let id = db.lastInsertedRowID
        let recipient = try db.cachedStatement(sql: "INSERT INTO inbound_recipient (message, position, address) VALUES (?, ?, ?)")
        for (position, address) in message.recipients.enumerated() {
            try recipient.execute(arguments: [id, position, address])
        }
        let header = try db.cachedStatement(sql: "INSERT INTO inbound_header (message, position, name, value) VALUES (?, ?, ?, ?)")
        for (position, field) in message.headers.fields.enumerated() {
            try header.execute(arguments: [id, position, field.name, field.value])
        }
        try db.execute(sql: "INSERT INTO inbound_raw (message, raw) VALUES (?, ?)", arguments: [id, Data(message.raw)])
        return id
    }

    public func recentInbound(limit: Int) async throws -> [InboundSummary] {
        try await recentInbound(limit: limit, beforeOrAt: Int64.max)
    }

    public func recentInbound(limit: Int, beforeOrAt maxID: Int64) async throws -> [InboundSummary] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, channel, received_at, envelope_sender, subject, message_id, remote_address,
                       tls_version, size
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
