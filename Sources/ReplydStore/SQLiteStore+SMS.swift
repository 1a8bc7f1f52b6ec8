import Foundation
import GRDB
import ReplydCore

/// SMS lists and their subscriptions, as the command line and the API change and read them.
extension SQLiteStore {
    public func setSMSList(_ list: SMSList, at now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO sms_list (key, number, prefix, settings, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
                """, arguments: [list.key, list.number, list.prefix, json, now])
        }
    }

    public func smsLists() async throws -> [SMSList] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT settings FROM sms_list ORDER BY key").map {
                try JSONDecoder().decode(SMSList.self, from: Data($0.utf8))
            }
        }
    }

    public func smsList(key: String) async throws -> SMSList? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT settings FROM sms_list WHERE key = ?", arguments: [key])
                .map { try JSONDecoder().decode(SMSList.self, from: Data($0.utf8)) }
        }
    }

    /// Deletes the list; its subscriptions (opt-outs included) are kept, so a list set up again
    /// under the same key still honours every STOP it ever received.
    public func deleteSMSList(key: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM sms_list WHERE key = ?", arguments: [key])
            return db.changesCount > 0
        }
    }

    public func smsSubscriptions(list: String, status: String?, limit: Int, offset: Int) async throws
        -> (items: [SMSSubscriptionRecord], total: Int) {
        try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sms_subscription WHERE list = ? AND (? IS NULL OR status = ?)",
                                         arguments: [list, status, status]) ?? 0
            let items = try Row.fetchAll(db, sql: """
                SELECT number, status, changed_at, last_autoreply_at FROM sms_subscription
                WHERE list = ? AND (? IS NULL OR status = ?) ORDER BY number LIMIT ? OFFSET ?
                """, arguments: [list, status, status, limit, offset]).map {
                SMSSubscriptionRecord(number: $0["number"], status: $0["status"], changedAt: $0["changed_at"],
                                   lastAutoreplyAt: $0["last_autoreply_at"])
            }
            return (items, total)
        }
    }

    public func recentSMS(limit: Int) async throws -> [InboundSMSRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM inbound_sms ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                InboundSMSRecord(id: $0["id"], provider: $0["provider"], providerID: $0["provider_id"], sender: $0["sender"],
                                 recipient: $0["recipient"], text: $0["text"], receivedAt: $0["received_at"], list: $0["list"],
                                 intent: $0["intent"], action: $0["action"], reason: $0["reason"], outbound: $0["outbound"])
            }
        }
    }

    public func smsSubscriptions(number: String) async throws -> [(list: String, status: String)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT list, status FROM sms_subscription WHERE number = ? ORDER BY list", arguments: [number])
                .map { (list: $0["list"], status: $0["status"]) }
        }
    }
}
