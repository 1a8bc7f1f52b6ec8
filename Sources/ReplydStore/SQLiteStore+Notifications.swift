import Foundation
import GRDB
import ReplydCore

/// Order-status notifications as the API and `replyd notify` read them back, and their saved
/// templates. Recording them is the pipeline's (`NotificationFlow`).
extension SQLiteStore {

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
                                        status: QueueEntry.displayStatus(stored: row["status"], attempts: attempts),
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

    /// The templates saved for these events (the built-in ones are the caller's to fall back on).
    public func savedNotificationTemplates(events: [String]) async throws -> [SavedTemplate] {
        try await pool.read { db in
            try events.flatMap { event in
                try Row.fetchAll(db, sql: "SELECT channel, locale, subject, body FROM notification_template WHERE event = ?",
                                 arguments: [event]).compactMap { row -> SavedTemplate? in
                    guard let channel = NotificationChannel(rawValue: row["channel"]) else { return nil }
                    return SavedTemplate(event: event, channel: channel, locale: row["locale"],
                                         template: NotificationTemplate(subject: row["subject"], body: row["body"]))
                }
            }
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
