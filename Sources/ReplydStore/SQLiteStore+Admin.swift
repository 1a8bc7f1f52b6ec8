import Foundation
import GRDB
import ReplydCore

/// What the command line and the admin API change and read: vacations, contacts, decisions.
extension SQLiteStore {
    public func setVacation(_ vacation: Vacation, at now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(vacation), as: UTF8.self)
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO vacation (mailbox, settings, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (mailbox) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
                """, arguments: [vacation.mailbox, json, now])
            try db.execute(sql: "DELETE FROM mailbox_alias WHERE mailbox = ? AND source = 'vacation'", arguments: [vacation.mailbox])
            for alias in Set(vacation.aliases) where alias != vacation.mailbox {
                // Never takes another mailbox's alias (the API refuses that with 409 before).
                try db.execute(sql: """
                    INSERT INTO mailbox_alias (alias, mailbox, source) VALUES (?, ?, 'vacation')
                    ON CONFLICT (alias) DO NOTHING
                    """, arguments: [alias, vacation.mailbox])
            }
        }
    }

    /// Returns whether there was one to clear.
    public func clearVacation(mailbox: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM vacation WHERE mailbox = ?", arguments: [mailbox.lowercased()])
            let cleared = db.changesCount > 0
            try db.execute(sql: "DELETE FROM mailbox_alias WHERE mailbox = ? AND source = 'vacation'", arguments: [mailbox.lowercased()])
            return cleared
        }
    }

    public func vacations() async throws -> [Vacation] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT settings FROM vacation ORDER BY mailbox").map {
                try JSONDecoder().decode(Vacation.self, from: Data($0.utf8))
            }
        }
    }

    /// Adds or renames contacts; returns how many rows were written.
    @discardableResult
    public func addContacts(owner: String, _ contacts: [(address: String, name: String?)], at now: Date) async throws -> Int {
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO contact (owner, address, name, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (owner, address) DO UPDATE SET name = COALESCE(excluded.name, contact.name)
                """)
            for contact in contacts {
                try statement.execute(arguments: [owner.lowercased(), contact.address.lowercased(), contact.name, now])
            }
            return contacts.count
        }
    }

    public func contactCount(owner: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM contact WHERE owner = ?", arguments: [owner.lowercased()]) ?? 0
        }
    }

    public func inbound(id: Int64) async throws -> InboundSummary? {
        // The newest at or below `id` is the message itself when it exists.
        try await recentInbound(limit: 1, beforeOrAt: id).first.flatMap { $0.id == id ? $0 : nil }
    }

    public func decisions(message id: Int64) async throws -> [DecisionRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM decision WHERE message = ? ORDER BY id", arguments: [id]).map { row in
                let checksJSON: String = row["checks"]
                return DecisionRecord(
                    recipient: row["recipient"], mailbox: row["mailbox"], replied: row["action"] == "reply",
                    reason: row["reason"],
                    checks: (try? JSONDecoder().decode([RuleCheck].self, from: Data(checksJSON.utf8))) ?? [],
                    outboundID: row["outbound"], decidedAt: row["decided_at"])
            }
        }
    }

    /// A queued reply's raw message.
    public func outboundData(id: Int64) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT data FROM outbound WHERE id = ?", arguments: [id]).map { Array($0) }
        }
    }
}

extension SQLiteStore {
    /// Moves the WAL into the database file (after a bulk load, so later work does not pay for it).
    public func checkpoint() async throws {
        try await pool.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// Fills the reply history with `count` old rows (benchmarks and tests of scale only).
    public func seedHistory(mailbox: String, count: Int, responseID: String, at date: Date) async throws {
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: "INSERT INTO reply_history (mailbox, sender, response_id, last_reply_at) VALUES (?, ?, ?, ?)")
            for index in 0..<count {
                try statement.execute(arguments: [mailbox, "h\(index)@history.pl", responseID, date])
            }
        }
    }
}
