import Foundation
import GRDB
import ReplydCore

/// Inbound SMS, lists and opt-outs. The inbound text, its decision, the subscription change and the
/// queued reply commit together, before the webhook is acknowledged.
extension SQLiteStore {
    public struct SMSReceipt: Sendable, Equatable {
        public var id: Int64
        /// The provider sent this message id before: acknowledged again, not processed again.
        public var duplicate: Bool
        public var intent: String?
        public var replied: Bool
        public var reason: String?
    }

    public func recordInboundSMS(provider: String, providerID: String, from sender: String, to recipient: String,
                                 text: String, at now: Date) async throws -> SMSReceipt {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO inbound_sms (provider, provider_id, sender, recipient, text, received_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_id) DO NOTHING
                """, arguments: [provider, providerID, sender, recipient, text, now])
            guard db.changesCount == 1 else {
                let row = try Row.fetchOne(db, sql: "SELECT id, intent, action, reason FROM inbound_sms WHERE provider = ? AND provider_id = ?",
                                           arguments: [provider, providerID])!
                return SMSReceipt(id: row["id"], duplicate: true, intent: row["intent"], replied: row["action"] == "reply", reason: row["reason"])
            }
            let id = db.lastInsertedRowID
            guard let json = try String.fetchOne(db, sql: "SELECT settings FROM sms_list WHERE number = ?", arguments: [recipient]),
                  let list = try? JSONDecoder().decode(SMSList.self, from: Data(json.utf8)) else {
                try db.execute(sql: "UPDATE inbound_sms SET action = 'none', reason = 'no-list' WHERE id = ?", arguments: [id])
                return SMSReceipt(id: id, duplicate: false, intent: nil, replied: false, reason: "no-list")
            }
            let subscription = try Row.fetchOne(db, sql: "SELECT status, last_autoreply_at FROM sms_subscription WHERE list = ? AND number = ?",
                                                arguments: [list.number, sender])
            let facts = SMSFacts(optedOut: subscription?["status"] == "out", subscribed: subscription?["status"] == "in",
                                 lastAutoreplyAt: subscription?["last_autoreply_at"])
            let decision = SMSPolicy.decide(text: text, list: list, facts: facts, now: now)
            if let change = decision.subscription {
                try db.execute(sql: """
                    INSERT INTO sms_subscription (list, number, status, changed_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (list, number) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at
                    """, arguments: [list.number, sender, change == .optOut ? "out" : "in", now])
            }
            var outbound: Int64?
            if let reply = decision.reply {
                if decision.intent == .message {
                    try db.execute(sql: """
                        INSERT INTO sms_subscription (list, number, status, changed_at, last_autoreply_at) VALUES (?, ?, 'in', ?, ?)
                        ON CONFLICT (list, number) DO UPDATE SET last_autoreply_at = excluded.last_autoreply_at
                        """, arguments: [list.number, sender, now, now])
                }
                try db.execute(sql: """
                    INSERT INTO outbound (channel, mailbox, envelope_sender, recipient, subject, data, status, created_at, next_attempt_at)
                    VALUES ('sms', ?, ?, ?, ?, ?, 'queued', ?, ?)
                    """, arguments: [list.number, list.number, sender, decision.intent.rawValue, Data(reply.utf8), now, now])
                outbound = db.lastInsertedRowID
            }
            try db.execute(sql: "UPDATE inbound_sms SET intent = ?, action = ?, reason = ?, outbound = ? WHERE id = ?",
                           arguments: [decision.intent.rawValue, outbound == nil ? "none" : "reply", decision.reason?.rawValue, outbound, id])
            return SMSReceipt(id: id, duplicate: false, intent: decision.intent.rawValue, replied: outbound != nil,
                              reason: decision.reason?.rawValue)
        }
    }

    public func setSMSList(_ list: SMSList, at now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO sms_list (number, settings, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (number) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
                """, arguments: [list.number, json, now])
        }
    }

    public func smsLists() async throws -> [SMSList] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT settings FROM sms_list ORDER BY number").map {
                try JSONDecoder().decode(SMSList.self, from: Data($0.utf8))
            }
        }
    }
}
