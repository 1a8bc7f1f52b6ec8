import Foundation
import GRDB
import ReplydCore
import ReplydPipeline

/// The pipeline's reads and writes as SQL, inside one GRDB write transaction. No decisions here:
/// each method is one question or one change, with the unique keys that make concurrent writers
/// safe.
struct SQLiteReplyTransaction: ReplyTransaction {
    let db: Database
    let settings: DecodedSettings

    // MARK: Facts: mail

    func mailList(address: String) throws -> MailList? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT settings FROM mail_list WHERE address = ?"), arguments: [address])
            .map(settings.mailList)
    }

    func vacation(address: String) throws -> Vacation? {
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT settings FROM vacation WHERE mailbox = ?
            UNION ALL
            SELECT v.settings FROM mailbox_alias a JOIN vacation v ON v.mailbox = a.mailbox WHERE a.alias = ?
            LIMIT 1
            """), arguments: [address, address])
        guard let json: String = row?[0] else { return nil }
        var vacation = try settings.vacation(json)
        // The mailbox's own aliases (admin API) count as its addresses too.
        let aliases = try String.fetchAll(db.cachedStatement(sql: "SELECT alias FROM mailbox_alias WHERE mailbox = ? ORDER BY alias"),
                                          arguments: [vacation.mailbox])
        vacation.aliases += aliases.filter { !vacation.aliases.contains($0) }
        return vacation
    }

    func isStoredLocalAddress(_ address: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM mailbox WHERE address = ?) OR EXISTS (SELECT 1 FROM mailbox_alias WHERE alias = ?)
            """), arguments: [address, address]) ?? false
    }

    func isContact(owner: String, address: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM contact WHERE owner IN (?, '*') AND address = ?)
            """), arguments: [owner, address]) ?? false
    }

    func lastReply(_ key: ReplyKey) throws -> Date? {
        try Date.fetchOne(db.cachedStatement(sql: """
            SELECT last_reply_at FROM reply_history WHERE mailbox = ? AND sender = ? AND response_id = ?
            """), arguments: [key.mailbox, key.sender, key.responseID])
    }

    func vacationReplies(mailbox: String, since: Date) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM outbound WHERE mailbox = ? AND created_at > ?"),
                         arguments: [mailbox, since.storedText]) ?? 0
    }

    func mailSubscription(list: String, address: String) throws -> SubscriptionStatus? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM mail_subscription WHERE list = ? AND address = ?"),
                            arguments: [list, address]).flatMap(SubscriptionStatus.init(rawValue:))
    }

    func pendingConfirmation(list: String, address: String) throws -> PendingConfirmation? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT token, requested_at FROM mail_confirmation WHERE list = ? AND address = ?"),
                         arguments: [list, address])
            .map { PendingConfirmation(token: $0["token"], requestedAt: $0["requested_at"]) }
    }

    func pendingConfirmations(list: String, since: Date) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM mail_confirmation WHERE list = ? AND requested_at > ?"),
                         arguments: [list, since]) ?? 0
    }

    // MARK: Facts: SMS and notifications

    func smsLists(number: String) throws -> [SMSList] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT settings FROM sms_list WHERE number = ?"), arguments: [number])
            .compactMap { try? JSONDecoder().decode(SMSList.self, from: Data($0.utf8)) }
    }

    func smsSubscription(list: String, number: String) throws -> SMSSubscription? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT status, last_autoreply_at FROM sms_subscription WHERE list = ? AND number = ?
            """), arguments: [list, number]),
            let status = SubscriptionStatus(rawValue: row["status"]) else { return nil }
        return SMSSubscription(status: status, lastAutoreplyAt: row["last_autoreply_at"])
    }

    func notificationHistory(order: String, event: String, email: String?, phone: String?) throws -> NotificationHistory {
        let scheduled = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notification WHERE order_id = ? AND status = 'scheduled'",
                                         arguments: [order]) ?? 0
        let previous = try Int64.fetchOne(db, sql: """
            SELECT id FROM notification WHERE order_id = ? AND event = ? AND status = 'scheduled' ORDER BY id LIMIT 1
            """, arguments: [order, event])
        let last = try Date.fetchOne(db, sql: """
            SELECT MAX(send_at) FROM notification
            WHERE status = 'scheduled' AND ((customer_email IS NOT NULL AND customer_email = ?) OR (customer_phone IS NOT NULL AND customer_phone = ?))
            """, arguments: [email, phone])
        return NotificationHistory(scheduledForOrder: scheduled, previousForEvent: previous, lastToCustomer: last)
    }

    func savedTemplate(event: String, channel: NotificationChannel, locale: String) throws -> NotificationTemplate? {
        try Row.fetchOne(db, sql: "SELECT subject, body FROM notification_template WHERE event = ? AND channel = ? AND locale = ?",
                         arguments: [event, channel.rawValue, locale])
            .map { NotificationTemplate(subject: $0["subject"], body: $0["body"]) }
    }

    // MARK: Writes

    func recordMail(_ message: InboundMessage) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO inbound_message (channel, received_at, envelope_sender, remote_address, helo,
                tls_version, size, message_id, from_header, to_header, cc_header, subject,
                auto_submitted, precedence, list_id, spf_result, spf_identity, spf_domain, spf_detail, spf_explanation, trace)
            VALUES ('email', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [message.receivedAt.storedText, message.envelopeSender, message.remoteAddress, message.helo,
                                     message.tlsVersion, message.size, message.messageID, message.from, message.to,
                                     message.cc, message.subject, message.autoSubmitted, message.precedence, message.listID,
                                     message.spf?.code.rawValue, message.spf?.identity.rawValue, message.spf?.domain,
                                     message.spf?.detail, message.spf?.explanation, message.traceFields])
        let id = db.lastInsertedRowID
        let recipient = try db.cachedStatement(sql: "INSERT INTO inbound_recipient (message, position, address) VALUES (?, ?, ?)")
        for (position, address) in message.recipients.enumerated() {
            try recipient.execute(arguments: [id, position, address])
        }
        try db.cachedStatement(sql: "INSERT INTO inbound_raw (message, raw) VALUES (?, ?)").execute(arguments: [id, Data(message.raw)])
        return id
    }

    func recordSMS(_ sms: InboundSMS) throws -> Int64? {
        try db.cachedStatement(sql: """
            INSERT INTO inbound_sms (provider, provider_id, sender, recipient, text, received_at)
            VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_id) DO NOTHING
            """).execute(arguments: [sms.provider, sms.providerID, sms.sender, sms.recipient, sms.text, sms.receivedAt])
        return db.changesCount == 1 ? db.lastInsertedRowID : nil
    }

    func recordedSMS(provider: String, providerID: String) throws -> RecordedSMS? {
        try Row.fetchOne(db, sql: "SELECT id, list, intent, action, reason FROM inbound_sms WHERE provider = ? AND provider_id = ?",
                         arguments: [provider, providerID])
            .map { RecordedSMS(id: $0["id"], list: $0["list"], intent: $0["intent"], answered: $0["action"] == "reply", reason: $0["reason"]) }
    }

    func recordSMSOutcome(id: Int64, list: String, intent: String?, answered: Bool, reason: String?, outbound: Int64?) throws {
        try db.cachedStatement(sql: "UPDATE inbound_sms SET list = ?, intent = ?, action = ?, reason = ?, outbound = ? WHERE id = ?")
            .execute(arguments: [list, intent, answered ? "reply" : "none", reason, outbound, id])
    }

    func recordNotification(_ request: NotificationRequest, record: NotificationEntry) throws -> Int64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        try db.execute(sql: """
            INSERT INTO notification (order_id, event, customer, customer_email, customer_phone, data, forced, status, reason,
                                      notes, requested_at, send_at, quiet_hours, time_zone)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [request.orderID, request.event, try json(request.customer), request.customer.email, request.customer.phone,
                             try json(request.data), request.force, record.status, record.reason, try json(record.notes),
                             record.requestedAt, record.sendAt, record.quietHours, record.timeZone])
        return db.lastInsertedRowID
    }

    /// Portable: `ON CONFLICT ... DO UPDATE ... WHERE` changes no row when the key is held.
    func claimReply(_ key: ReplyKey, at now: Date, period: TimeInterval) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT INTO reply_history (mailbox, sender, response_id, last_reply_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (mailbox, sender, response_id) DO UPDATE SET last_reply_at = excluded.last_reply_at
            WHERE reply_history.last_reply_at <= ?
            """).execute(arguments: [key.mailbox, key.sender, key.responseID, now.storedText,
                                     now.addingTimeInterval(-period).storedText])
        return db.changesCount == 1
    }

    func recordDecision(_ decision: RecordedDecision, message: Int64, outbound: Int64?) throws {
        let checks = RuleCheck.json(decision.checks)
        try db.cachedStatement(sql: """
            INSERT INTO decision (message, recipient, mailbox, action, reason, checks, outbound, decided_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [message, decision.recipient, decision.mailbox, decision.reason == nil ? "reply" : "suppress",
                                     decision.reason, checks, outbound, decision.at.storedText])
    }

    func enqueue(_ message: OutboundMessage) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO outbound (channel, kind, inbound_message, mailbox, list_key, intent, notification, envelope_sender,
                                  recipient, subject, data, status, created_at, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
            """).execute(arguments: [message.channel.rawValue, message.kind, message.inboundMail, message.mailbox, message.listKey,
                                     message.intent, message.notification, message.envelopeFrom, message.recipient, message.subject,
                                     Data(message.data), message.createdAt.storedText, message.dueAt.storedText])
        return db.lastInsertedRowID
    }

    /// The time stays that of the first STOP of a run of them: the send gate lets that STOP's
    /// farewell through.
    func setSubscription(_ change: SubscriptionChange) throws {
        let table = change.channel == .sms ? "sms_subscription" : "mail_subscription"
        let column = change.channel == .sms ? "number" : "address"
        try db.cachedStatement(sql: """
            INSERT INTO \(table) (list, \(column), status, changed_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (list, \(column)) DO UPDATE SET status = excluded.status,
                changed_at = CASE WHEN status = excluded.status THEN changed_at ELSE excluded.changed_at END
            """).execute(arguments: [change.list, change.address, change.status.rawValue, change.at])
    }

    func noteAutoreply(list: String, number: String, at now: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO sms_subscription (list, number, status, changed_at, last_autoreply_at) VALUES (?, ?, 'in', ?, ?)
            ON CONFLICT (list, number) DO UPDATE SET last_autoreply_at = excluded.last_autoreply_at
            """).execute(arguments: [list, number, now, now])
    }

    func setPendingConfirmation(list: String, address: String, token: String, at now: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO mail_confirmation (list, address, token, requested_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (list, address) DO UPDATE SET token = excluded.token, requested_at = excluded.requested_at
            """).execute(arguments: [list, address, token, now])
    }

    func clearPendingConfirmation(list: String, address: String) throws {
        try db.cachedStatement(sql: "DELETE FROM mail_confirmation WHERE list = ? AND address = ?").execute(arguments: [list, address])
    }
}
