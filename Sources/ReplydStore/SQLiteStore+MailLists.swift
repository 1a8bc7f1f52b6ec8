import Foundation
import GRDB
import ReplydCore

/// E-mail lists and who is subscribed to them (`replyd mail-list`).
extension SQLiteStore {
    public func setMailList(_ list: MailList, at now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO mail_list (address, settings, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (address) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
                """, arguments: [list.address, json, now])
        }
    }

    public func mailLists() async throws -> [MailListSummary] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT l.settings,
                       (SELECT COUNT(*) FROM mail_subscription s WHERE s.list = l.address AND s.status = 'in') AS subscribed,
                       (SELECT COUNT(*) FROM mail_subscription s WHERE s.list = l.address AND s.status = 'out') AS opted_out
                FROM mail_list l ORDER BY l.address
                """).map { row in
                MailListSummary(list: try JSONDecoder().decode(MailList.self, from: Data((row["settings"] as String).utf8)),
                                subscribed: row["subscribed"], optedOut: row["opted_out"])
            }
        }
    }

    public func mailSubscribers(list: String) async throws -> [(address: String, status: String, changedAt: Date)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT address, status, changed_at FROM mail_subscription WHERE list = ? ORDER BY address",
                             arguments: [list.lowercased()]).map { ($0["address"], $0["status"], $0["changed_at"]) }
        }
    }
}
