import Foundation
import GRDB
import ReplydCore

/// Mailboxes and their aliases as the admin API manages them, and the addresses SMTP must accept.
extension SQLiteStore {

    /// Every mailbox the store knows: created ones, and those with a vacation or contacts, sorted.
    public func mailboxes() async throws -> [MailboxRecord] {
        try await pool.read { db in
            let created = try Row.fetchAll(db, sql: "SELECT address, name, created_at FROM mailbox")
            var records: [String: MailboxRecord] = [:]
            for row in created {
                let address: String = row["address"]
                records[address] = MailboxRecord(address: address, name: row["name"], aliases: [], createdAt: row["created_at"])
            }
            for address in try String.fetchAll(db, sql: "SELECT mailbox FROM vacation UNION SELECT owner FROM contact WHERE owner <> '*'")
            where records[address] == nil {
                records[address] = MailboxRecord(address: address, name: nil, aliases: [], createdAt: nil)
            }
            for row in try Row.fetchAll(db, sql: "SELECT alias, mailbox FROM mailbox_alias WHERE source = 'mailbox' ORDER BY alias") {
                records[row["mailbox"] as String]?.aliases.append(row["alias"])
            }
            return records.values.sorted { $0.address < $1.address }
        }
    }

    public func createMailbox(_ address: String, name: String?, aliases: [String], at now: Date) async throws -> MailboxChange {
        let address = address.lowercased()
        return try await pool.write { db in
            // Checked in the transaction that writes, so two requests cannot both take an alias.
            let taken = try Self.takenAliases(db, mailbox: address, aliases)
            guard taken.isEmpty else { return .aliasesTaken(taken) }
            try db.execute(sql: "INSERT INTO mailbox (address, name, created_at) VALUES (?, ?, ?) ON CONFLICT (address) DO NOTHING",
                           arguments: [address, name, now])
            guard db.changesCount == 1 else { return .exists }
            try Self.replaceAliases(db, mailbox: address, aliases)
            return .created
        }
    }

    /// Replaces the mailbox's own aliases. Returns the aliases another mailbox already holds (nothing
    /// is changed then).
    public func setAliases(mailbox: String, _ aliases: [String]) async throws -> [String] {
        let mailbox = mailbox.lowercased()
        return try await pool.write { db in
            let taken = try Self.takenAliases(db, mailbox: mailbox, aliases)
            guard taken.isEmpty else { return taken }
            try Self.replaceAliases(db, mailbox: mailbox, aliases)
            return []
        }
    }

    /// Of `aliases`, those that are another mailbox or another mailbox's alias.
    public func aliasesTaken(mailbox: String, _ aliases: [String]) async throws -> [String] {
        try await pool.read { db in try Self.takenAliases(db, mailbox: mailbox.lowercased(), aliases) }
    }

    static func takenAliases(_ db: Database, mailbox: String, _ aliases: [String]) throws -> [String] {
        try aliases.map { $0.lowercased() }.filter { $0 != mailbox }.filter { alias in
            let owner = try String.fetchOne(db, sql: "SELECT mailbox FROM mailbox_alias WHERE alias = ?", arguments: [alias])
            let isMailbox = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM mailbox WHERE address = ?)", arguments: [alias]) ?? false
            return (owner != nil && owner != mailbox) || isMailbox
        }
    }

    static func replaceAliases(_ db: Database, mailbox: String, _ aliases: [String]) throws {
        try db.execute(sql: "DELETE FROM mailbox_alias WHERE mailbox = ? AND source = 'mailbox'", arguments: [mailbox])
        for alias in Set(aliases.map { $0.lowercased() }) where alias != mailbox {
            try db.execute(sql: """
                INSERT INTO mailbox_alias (alias, mailbox, source) VALUES (?, ?, 'mailbox')
                ON CONFLICT (alias) DO UPDATE SET mailbox = excluded.mailbox, source = excluded.source
                """, arguments: [alias, mailbox])
        }
    }

    /// Deletes the mailbox with its aliases, vacation and contacts. Returns whether it existed.
    public func deleteMailbox(_ address: String) async throws -> Bool {
        let address = address.lowercased()
        return try await pool.write { db in
            var existed = false
            for sql in ["DELETE FROM mailbox WHERE address = ?", "DELETE FROM vacation WHERE mailbox = ?",
                        "DELETE FROM contact WHERE owner = ?", "DELETE FROM mailbox_alias WHERE mailbox = ?"] {
                try db.execute(sql: sql, arguments: [address])
                existed = existed || db.changesCount > 0
            }
            return existed
        }
    }

    /// Addresses SMTP accepts beyond `mail.mailboxes` when catch-all is off: created mailboxes,
    /// their aliases, and mail list addresses.
    public func acceptedAddresses() async throws -> Set<String> {
        try await pool.read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT address FROM mailbox UNION SELECT alias FROM mailbox_alias UNION SELECT address FROM mail_list
                """))
        }
    }

    // MARK: Contacts

    public func contacts(owner: String, limit: Int, offset: Int) async throws -> (items: [ContactRecord], total: Int) {
        try await pool.read { db in
            let owner = owner.lowercased()
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM contact WHERE owner = ?", arguments: [owner]) ?? 0
            let items = try Row.fetchAll(db, sql: "SELECT address, name, created_at FROM contact WHERE owner = ? ORDER BY address LIMIT ? OFFSET ?",
                                         arguments: [owner, limit, offset]).map {
                ContactRecord(address: $0["address"], name: $0["name"], createdAt: $0["created_at"])
            }
            return (items, total)
        }
    }

    public func deleteContact(owner: String, address: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM contact WHERE owner = ? AND address = ?", arguments: [owner.lowercased(), address.lowercased()])
            return db.changesCount > 0
        }
    }
}
