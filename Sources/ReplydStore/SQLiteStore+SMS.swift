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

    /// One webhook's message as the store takes it.
    struct InboundSMS: Sendable {
        var provider: String
        var providerID: String
        var sender: String
        var recipient: String
        var text: String
        var receivedAt: Date
    }

    /// Group-committed like inbound mail: concurrent webhooks share one transaction and one fsync,
    /// and each is answered only after the transaction holding it has committed.
    public func recordInboundSMS(provider: String, providerID: String, from sender: String, to recipient: String,
                                 text: String, at now: Date) async throws -> SMSReceipt {
        try await smsCommitter.submit(InboundSMS(provider: provider, providerID: providerID, sender: sender, recipient: recipient,
                                                 text: text, receivedAt: now))
    }

    static func commitSMS(_ batch: [InboundSMS], pool: DatabasePool) async throws -> [SMSReceipt] {
        let started = ContinuousClock.now
        let receipts = try await pool.write { db in try batch.map { try record($0, db: db) } }
        StoreMetrics.committed(duration: ContinuousClock.now - started)
        for receipt in receipts where !receipt.duplicate {
            StoreMetrics.smsReceived(intent: receipt.intent, replied: receipt.replied)
        }
        return receipts
    }

    static func record(_ sms: InboundSMS, db: Database) throws -> SMSReceipt {
        let (provider, providerID, sender, recipient, text, now) = (sms.provider, sms.providerID, sms.sender, sms.recipient,
                                                                    sms.text, sms.receivedAt)
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
        let lists = try String.fetchAll(db, sql: "SELECT settings FROM sms_list WHERE number = ?", arguments: [recipient])
            .compactMap { try? JSONDecoder().decode(SMSList.self, from: Data($0.utf8)) }
        guard let route = SMSRouting.route(text: text, lists: lists) else {
            // No list here (a number that only sends notifications, say): a STOP or START is still
            // recorded under the number itself, so whatever is sent from it later honours it.
            let intent = SMSKeywords.standard.intent(of: text)
            if intent == .optOut || intent == .optIn {
                try upsertSubscription(db, list: recipient, number: sender, optOut: intent == .optOut, at: now)
            }
            let recorded = intent == .message ? nil : intent.rawValue
            try db.execute(sql: "UPDATE inbound_sms SET list = ?, intent = ?, action = 'none', reason = 'no-list' WHERE id = ?",
                           arguments: [recipient, recorded, id])
            return SMSReceipt(id: id, duplicate: false, intent: recorded, replied: false, reason: "no-list")
        }
        if route.intent == .optOut && !route.lists.contains(where: { $0.key == recipient }) {
            // Only prefixed lists here: the number itself is opted out too, so whatever else is sent
            // from it (notifications) honours the STOP.
            try upsertSubscription(db, list: recipient, number: sender, optOut: true, at: now)
        }
        var first: SMSDecision?
        var outbound: Int64?
        for list in route.lists {
            let decision = try Self.apply(db, text: route.text, intent: route.intent, list: list, sender: sender,
                                          queueReply: outbound == nil, at: now)
            first = first ?? decision.0
            outbound = outbound ?? decision.1
        }
        let decision = first!
        try db.execute(sql: "UPDATE inbound_sms SET list = ?, intent = ?, action = ?, reason = ?, outbound = ? WHERE id = ?",
                       arguments: [route.lists[0].key, decision.intent.rawValue, outbound == nil ? "none" : "reply",
                                   outbound == nil ? decision.reason?.rawValue : nil, outbound, id])
        return SMSReceipt(id: id, duplicate: false, intent: decision.intent.rawValue, replied: outbound != nil,
                          reason: outbound == nil ? decision.reason?.rawValue : nil)
    }

    /// Decides for one list and records the subscription change; queues the reply when asked to
    /// (a bare STOP to a shared number opts out of every list there, with one farewell).
    private static func apply(_ db: Database, text: String, intent: SMSKeywords.Intent?, list: SMSList, sender: String,
                              queueReply: Bool, at now: Date) throws -> (SMSDecision, Int64?) {
        let subscription = try Row.fetchOne(db, sql: "SELECT status, last_autoreply_at FROM sms_subscription WHERE list = ? AND number = ?",
                                            arguments: [list.key, sender])
        let facts = SMSFacts(optedOut: subscription?["status"] == "out", subscribed: subscription?["status"] == "in",
                             lastAutoreplyAt: subscription?["last_autoreply_at"])
        let decision = SMSPolicy.decide(text: text, list: list, facts: facts, now: now, intent: intent)
        if let change = decision.subscription {
            try upsertSubscription(db, list: list.key, number: sender, optOut: change == .optOut, at: now)
        }
        guard queueReply, let reply = decision.reply else { return (decision, nil) }
        if decision.intent == .message {
            try db.execute(sql: """
                INSERT INTO sms_subscription (list, number, status, changed_at, last_autoreply_at) VALUES (?, ?, 'in', ?, ?)
                ON CONFLICT (list, number) DO UPDATE SET last_autoreply_at = excluded.last_autoreply_at
                """, arguments: [list.key, sender, now, now])
        }
        try db.execute(sql: """
            INSERT INTO outbound (channel, mailbox, envelope_sender, recipient, subject, data, status, created_at, next_attempt_at)
            VALUES ('sms', ?, ?, ?, ?, ?, 'queued', ?, ?)
            """, arguments: [list.key, list.number, sender, decision.intent.rawValue, Data(reply.utf8), now, now])
        return (decision, db.lastInsertedRowID)
    }

    /// Records an opt-out or opt-in. The time stays that of the first STOP of a run of them: the
    /// send gate lets that STOP's farewell through.
    static func upsertSubscription(_ db: Database, list: String, number: String, optOut: Bool, at now: Date) throws {
        try db.execute(sql: """
            INSERT INTO sms_subscription (list, number, status, changed_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (list, number) DO UPDATE SET status = excluded.status,
                changed_at = CASE WHEN status = excluded.status THEN changed_at ELSE excluded.changed_at END
            """, arguments: [list, number, optOut ? "out" : "in", now])
    }

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

    public struct SubscriptionRecord: Sendable, Equatable {
        public var number: String
        public var status: String
        public var changedAt: Date
        public var lastAutoreplyAt: Date?
    }

    public func smsSubscriptions(list: String, status: String?, limit: Int, offset: Int) async throws
        -> (items: [SubscriptionRecord], total: Int) {
        try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sms_subscription WHERE list = ? AND (? IS NULL OR status = ?)",
                                         arguments: [list, status, status]) ?? 0
            let items = try Row.fetchAll(db, sql: """
                SELECT number, status, changed_at, last_autoreply_at FROM sms_subscription
                WHERE list = ? AND (? IS NULL OR status = ?) ORDER BY number LIMIT ? OFFSET ?
                """, arguments: [list, status, status, limit, offset]).map {
                SubscriptionRecord(number: $0["number"], status: $0["status"], changedAt: $0["changed_at"],
                                   lastAutoreplyAt: $0["last_autoreply_at"])
            }
            return (items, total)
        }
    }
}
