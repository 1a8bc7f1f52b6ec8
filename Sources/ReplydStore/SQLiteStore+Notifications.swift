import Foundation
import GRDB
import ReplydCore

/// Order-status notifications: the request, the fatigue decision and the queued messages commit
/// together; the shop is answered 202 only after that. Sending is the e-mail and SMS workers' job,
/// through the same durable queue as replies (and the same opt-out check at send time).
extension SQLiteStore {
    /// How notifications are sent: the site's rules and senders.
    public struct NotificationSetup: Sendable {
        public var rules: NotificationRules
        public var emailFrom: (name: String?, address: String)?
        public var smsFrom: String?
        public var shopName: String
        public var makeMessageID: @Sendable () -> String

        public init(rules: NotificationRules, emailFrom: (name: String?, address: String)?, smsFrom: String?, shopName: String,
                    makeMessageID: @escaping @Sendable () -> String) {
            self.rules = rules
            self.emailFrom = emailFrom
            self.smsFrom = smsFrom
            self.shopName = shopName
            self.makeMessageID = makeMessageID
        }
    }

    public struct NotificationDelivery: Sendable, Equatable {
        public var channel: String
        public var outboundID: Int64
        public var recipient: String
        /// pending, deferred, sent, failed, dropped or suppressed.
        public var status: String
        public var attempts: Int
        public var dueAt: Date
        public var sentAt: Date?
        public var lastError: String?
    }

    public struct NotificationRecord: Sendable, Equatable {
        public var id: Int64
        public var orderID: String
        public var event: String
        public var customer: Customer
        public var data: [String: String]
        public var forced: Bool
        /// `scheduled` (queued on its channels) or `held` (never sent, see `reason`).
        public var status: String
        public var reason: String?
        public var notes: [String]
        public var requestedAt: Date
        public var sendAt: Date?
        public var deliveries: [NotificationDelivery]
    }

    public enum NotificationResult: Sendable, Equatable {
        case recorded(NotificationRecord)
        /// The same order and event was notified before (id of that one); nothing recorded.
        case duplicate(Int64)
    }

    public func recordNotification(_ request: NotificationRequest, setup: NotificationSetup, at now: Date) async throws -> NotificationResult {
        let started = ContinuousClock.now
        let result = try await pool.write { db -> NotificationResult in
            let facts = try Self.notificationFacts(request, smsFrom: setup.smsFrom, db: db)
            let decision = NotificationPolicy.decide(request, facts: facts.facts, rules: setup.rules, now: now)
            let (status, reason, sendAt, channels): (String, String?, Date?, [NotificationChannel])
            switch decision.outcome {
            case .send(let chosen, let at): (status, reason, sendAt, channels) = ("scheduled", nil, at, chosen)
            case .held(let why): (status, reason, sendAt, channels) = ("held", why, nil, [])
            case .duplicate: return .duplicate(facts.previousForEvent ?? 0)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            try db.execute(sql: """
                INSERT INTO notification (order_id, event, customer, customer_email, customer_phone, data, forced, status, reason,
                                          notes, requested_at, send_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [request.orderID, request.event, String(decoding: try encoder.encode(request.customer), as: UTF8.self),
                                 request.customer.email, request.customer.phone,
                                 String(decoding: try encoder.encode(request.data), as: UTF8.self), request.force, status, reason,
                                 String(decoding: try encoder.encode(decision.notes), as: UTF8.self), now, sendAt])
            let id = db.lastInsertedRowID
            if let quiet = setup.rules.quietHours {
                try db.execute(sql: "UPDATE notification SET quiet_hours = ?, time_zone = ? WHERE id = ?",
                               arguments: [quiet.description, NotificationPolicy.zone(for: request.customer, rules: setup.rules).identifier, id])
            }
            let locale = request.customer.locale ?? setup.rules.locale
            let values = NotificationTemplates.variables(request, locale: locale, shopName: setup.shopName)
            for channel in channels {
                let template = try Self.notificationTemplate(event: request.event, channel: channel, locale: locale, db: db)
                let body = try NotificationTemplates.render(template.body, values)
                switch channel {
                case .email:
                    guard let from = setup.emailFrom, let to = request.customer.email else { continue }
                    let subject = try NotificationTemplates.render(template.subject ?? "{{status}}", values)
                    let data = NotificationTemplates.email(fromName: from.name, fromAddress: from.address, to: to,
                                                           customerName: request.customer.name, subject: subject, body: body,
                                                           messageID: setup.makeMessageID(), date: sendAt ?? now)
                    try db.execute(sql: """
                        INSERT INTO outbound (channel, mailbox, envelope_sender, recipient, subject, data, status, created_at,
                                              next_attempt_at, notification)
                        VALUES ('email', 'notifications', ?, ?, ?, ?, 'queued', ?, ?, ?)
                        """, arguments: [from.address, to, subject, Data(data), now, sendAt ?? now, id])
                case .sms:
                    guard let from = setup.smsFrom, let to = request.customer.phone else { continue }
                    // The mailbox is the list key of the sending number: its opt-outs are checked
                    // again when the SMS is claimed for sending.
                    try db.execute(sql: """
                        INSERT INTO outbound (channel, mailbox, envelope_sender, recipient, subject, data, status, created_at,
                                              next_attempt_at, notification)
                        VALUES ('sms', ?, ?, ?, ?, ?, 'queued', ?, ?, ?)
                        """, arguments: [from, from, to, "notify:\(request.event)", Data(body.utf8), now, sendAt ?? now, id])
                }
            }
            return .recorded(try Self.notification(id: id, db: db)!)
        }
        StoreMetrics.committed(duration: ContinuousClock.now - started)
        StoreMetrics.notified(result)
        return result
    }

    static func notificationFacts(_ request: NotificationRequest, smsFrom: String?, db: Database) throws
        -> (facts: NotificationFacts, previousForEvent: Int64?) {
        let sentForOrder = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification WHERE order_id = ? AND status = 'scheduled'",
                                            arguments: [request.orderID]) ?? 0
        let previous = try Int64.fetchOne(db, sql: """
            SELECT id FROM notification WHERE order_id = ? AND event = ? AND status = 'scheduled' ORDER BY id LIMIT 1
            """, arguments: [request.orderID, request.event])
        let last = try Date.fetchOne(db, sql: """
            SELECT MAX(send_at) FROM notification
            WHERE status = 'scheduled' AND ((customer_email IS NOT NULL AND customer_email = ?) OR (customer_phone IS NOT NULL AND customer_phone = ?))
            """, arguments: [request.customer.email, request.customer.phone])
        var optedOut = false
        if let smsFrom, let phone = request.customer.phone {
            optedOut = try String.fetchOne(db, sql: "SELECT status FROM sms_subscription WHERE list = ? AND number = ?",
                                           arguments: [smsFrom, phone]) == "out"
        }
        return (NotificationFacts(sentForOrder: sentForOrder, eventAlreadySent: previous != nil, lastToCustomer: last,
                                  smsOptedOut: optedOut), previous)
    }

    // MARK: Reading

    public func notification(id: Int64) async throws -> NotificationRecord? {
        try await pool.read { db in try Self.notification(id: id, db: db) }
    }

    public func notifications(order: String) async throws -> [NotificationRecord] {
        try await pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM notification WHERE order_id = ? ORDER BY id", arguments: [order])
                .compactMap { try Self.notification(id: $0, db: db) }
        }
    }

    static func notification(id: Int64, db: Database) throws -> NotificationRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM notification WHERE id = ?", arguments: [id]) else { return nil }
        let decoder = JSONDecoder()
        let deliveries = try Row.fetchAll(db, sql: """
            SELECT id, channel, recipient, status, attempts, next_attempt_at, sent_at, last_error FROM outbound
            WHERE notification = ? ORDER BY id
            """, arguments: [id]).map { row in
            let attempts: Int = row["attempts"]
            return NotificationDelivery(channel: row["channel"], outboundID: row["id"], recipient: row["recipient"],
                                        status: displayStatus(stored: row["status"], attempts: attempts),
                                        attempts: attempts, dueAt: row["next_attempt_at"], sentAt: row["sent_at"], lastError: row["last_error"])
        }
        return NotificationRecord(
            id: id, orderID: row["order_id"], event: row["event"],
            customer: try decoder.decode(Customer.self, from: Data((row["customer"] as String).utf8)),
            data: try decoder.decode([String: String].self, from: Data((row["data"] as String).utf8)),
            forced: row["forced"], status: row["status"], reason: row["reason"],
            notes: try decoder.decode([String].self, from: Data((row["notes"] as String).utf8)),
            requestedAt: row["requested_at"], sendAt: row["send_at"], deliveries: deliveries)
    }

    // MARK: Templates

    /// The saved template, or the built-in one.
    static func notificationTemplate(event: String, channel: NotificationChannel, locale: String, db: Database) throws -> NotificationTemplate {
        if let row = try Row.fetchOne(db, sql: "SELECT subject, body FROM notification_template WHERE event = ? AND channel = ? AND locale = ?",
                                      arguments: [event, channel.rawValue, locale]) {
            return NotificationTemplate(subject: row["subject"], body: row["body"])
        }
        return NotificationTemplates.builtIn(event: event, channel: channel, locale: locale)
    }

    public struct TemplateEntry: Sendable, Equatable {
        public var event: String
        public var channel: NotificationChannel
        public var locale: String
        public var template: NotificationTemplate
        /// Saved here (false: the built-in text).
        public var custom: Bool

        public init(event: String, channel: NotificationChannel, locale: String, template: NotificationTemplate, custom: Bool) {
            self.event = event
            self.channel = channel
            self.locale = locale
            self.template = template
            self.custom = custom
        }
    }

    public func notificationTemplates(events: [String]) async throws -> [TemplateEntry] {
        try await pool.read { db in
            var entries: [TemplateEntry] = []
            for event in events {
                for channel in NotificationChannel.allCases {
                    for locale in NotificationTemplates.locales {
                        let custom = try Bool.fetchOne(db, sql: """
                            SELECT EXISTS (SELECT 1 FROM notification_template WHERE event = ? AND channel = ? AND locale = ?)
                            """, arguments: [event, channel.rawValue, locale]) ?? false
                        entries.append(TemplateEntry(event: event, channel: channel, locale: locale,
                                                     template: try Self.notificationTemplate(event: event, channel: channel, locale: locale, db: db),
                                                     custom: custom))
                    }
                }
            }
            return entries
        }
    }

    /// Saves a template (checked by the caller with `NotificationTemplates.problems`).
    public func setNotificationTemplate(event: String, channel: NotificationChannel, locale: String, _ template: NotificationTemplate,
                                        at now: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO notification_template (event, channel, locale, subject, body, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (event, channel, locale) DO UPDATE SET subject = excluded.subject, body = excluded.body,
                    updated_at = excluded.updated_at
                """, arguments: [event, channel.rawValue, locale, template.subject, template.body, now])
        }
    }
}
