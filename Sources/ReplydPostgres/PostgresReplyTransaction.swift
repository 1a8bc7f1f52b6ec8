import Foundation
import Logging
import PostgresNIO
import ReplydCore
import ReplydPipeline

/// The pipeline's reads and writes as PostgreSQL statements, inside one transaction on one
/// connection. No decisions here: each method is one question or one change, with the unique keys
/// that make several nodes' writers safe.
struct PostgresReplyTransaction: ReplyTransaction {
    let connection: PostgresConnection
    let logger: Logger
    let settings: DecodedSettings

    private func rows(_ query: PostgresQuery) throws -> [PostgresRow] {
        let (connection, logger) = (self.connection, self.logger)
        return try Blocking.wait { try await connection.query(query, logger: logger).collect() }
    }

    private func scalar<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type = T.self) throws -> T? where T._DecodableType == T {
        try rows(query).first.map { try $0.makeRandomAccess()[0].decode(T?.self) } ?? nil
    }

    private func execute(_ query: PostgresQuery) throws {
        _ = try rows(query)
    }

    // MARK: Facts: mail

    func mailList(address: String) throws -> MailList? {
        try scalar("SELECT settings FROM mail_list WHERE address = \(address)", as: String.self).map(settings.mailList)
    }

    func vacation(address: String) throws -> Vacation? {
        // One round trip: the mailbox's own row first, else the one the address is an alias of, with
        // the mailbox's aliases (admin API), which count as its addresses too.
        guard let row = try rows("""
            SELECT v.settings, ARRAY(SELECT a.alias FROM mailbox_alias a WHERE a.mailbox = v.mailbox ORDER BY a.alias) AS aliases
            FROM vacation v
            WHERE v.mailbox = \(address) OR v.mailbox = (SELECT a.mailbox FROM mailbox_alias a WHERE a.alias = \(address))
            ORDER BY v.mailbox = \(address) DESC LIMIT 1
            """).first else { return nil }
        let columns = row.columns
        var vacation = try settings.vacation(try columns["settings"])
        let aliases: [String] = try columns["aliases"]
        vacation.aliases += aliases.filter { !vacation.aliases.contains($0) }
        return vacation
    }

    func isStoredLocalAddress(_ address: String) throws -> Bool {
        try scalar("""
            SELECT EXISTS (SELECT 1 FROM mailbox WHERE address = \(address)) OR EXISTS (SELECT 1 FROM mailbox_alias WHERE alias = \(address))
            """, as: Bool.self) ?? false
    }

    func isContact(owner: String, address: String) throws -> Bool {
        try scalar("SELECT EXISTS (SELECT 1 FROM contact WHERE owner IN (\(owner), '*') AND address = \(address))", as: Bool.self) ?? false
    }

    func lastReply(_ key: ReplyKey) throws -> Date? {
        try scalar("""
            SELECT last_reply_at FROM reply_history WHERE mailbox = \(key.mailbox) AND sender = \(key.sender) AND response_id = \(key.responseID)
            """, as: Date.self)
    }

    func vacationReplies(mailbox: String, since: Date) throws -> Int {
        try scalar("SELECT COUNT(*) FROM outbound WHERE mailbox = \(mailbox) AND created_at > \(since)", as: Int.self) ?? 0
    }

    func mailSubscription(list: String, address: String) throws -> SubscriptionStatus? {
        try scalar("SELECT status FROM mail_subscription WHERE list = \(list) AND address = \(address)", as: String.self)
            .flatMap(SubscriptionStatus.init(rawValue:))
    }

    func pendingConfirmation(list: String, address: String) throws -> PendingConfirmation? {
        try rows("SELECT token, requested_at FROM mail_confirmation WHERE list = \(list) AND address = \(address)").first.map {
            let columns = $0.columns
            return PendingConfirmation(token: try columns["token"], requestedAt: try columns["requested_at"])
        }
    }

    func pendingConfirmations(list: String, since: Date) throws -> Int {
        try scalar("SELECT COUNT(*) FROM mail_confirmation WHERE list = \(list) AND requested_at > \(since)", as: Int.self) ?? 0
    }

    // MARK: Facts: SMS and notifications

    func smsLists(number: String) throws -> [SMSList] {
        try rows("SELECT settings FROM sms_list WHERE number = \(number)").compactMap {
            try? JSONDecoder().decode(SMSList.self, from: Data(try $0.makeRandomAccess()[0].decode(String.self).utf8))
        }
    }

    func smsSubscription(list: String, number: String) throws -> SMSSubscription? {
        guard let row = try rows("SELECT status, last_autoreply_at FROM sms_subscription WHERE list = \(list) AND number = \(number)").first
        else { return nil }
        let columns = row.columns
        guard let status = SubscriptionStatus(rawValue: try columns["status"]) else { return nil }
        return SMSSubscription(status: status, lastAutoreplyAt: try columns["last_autoreply_at"])
    }

    func notificationHistory(order: String, event: String, email: String?, phone: String?) throws -> NotificationHistory {
        let scheduled = try scalar("SELECT COUNT(*) FROM notification WHERE order_id = \(order) AND status = 'scheduled'", as: Int.self) ?? 0
        let previous = try scalar("""
            SELECT id FROM notification WHERE order_id = \(order) AND event = \(event) AND status = 'scheduled' ORDER BY id LIMIT 1
            """, as: Int64.self)
        let last = try scalar("""
            SELECT MAX(send_at) FROM notification
            WHERE status = 'scheduled' AND ((customer_email IS NOT NULL AND customer_email = \(email))
                                            OR (customer_phone IS NOT NULL AND customer_phone = \(phone)))
            """, as: Date.self)
        return NotificationHistory(scheduledForOrder: scheduled, previousForEvent: previous, lastToCustomer: last)
    }

    func savedTemplate(event: String, channel: NotificationChannel, locale: String) throws -> NotificationTemplate? {
        try rows("""
            SELECT subject, body FROM notification_template WHERE event = \(event) AND channel = \(channel.rawValue) AND locale = \(locale)
            """).first.map { let columns = $0.columns; return NotificationTemplate(subject: try columns["subject"], body: try columns["body"]) }
    }

    // MARK: Writes

    /// One statement, one round trip: the message, its recipients (an array unnested server-side)
    /// and its bytes.
    func recordMail(_ message: InboundMessage) throws -> Int64 {
        let spf = message.spf
        guard let id = try scalar("""
            WITH m AS (
                INSERT INTO inbound_message (channel, received_at, envelope_sender, remote_address, helo,
                    tls_version, size, message_id, from_header, to_header, cc_header, subject,
                    auto_submitted, precedence, list_id, spf_result, spf_identity, spf_domain, spf_detail, spf_explanation, trace)
                VALUES ('email', \(message.receivedAt), \(message.envelopeSender), \(message.remoteAddress), \(message.helo),
                    \(message.tlsVersion), \(message.size), \(message.messageID), \(message.from), \(message.to), \(message.cc),
                    \(message.subject), \(message.autoSubmitted), \(message.precedence), \(message.listID),
                    \(spf?.code.rawValue), \(spf?.identity.rawValue), \(spf?.domain), \(spf?.detail), \(spf?.explanation),
                    \(message.traceFields))
                RETURNING id),
            recipients AS (
                INSERT INTO inbound_recipient (message, position, address)
                SELECT m.id, r.position - 1, r.address FROM m, unnest(\(message.recipients)::text[]) WITH ORDINALITY AS r(address, position)),
            raw AS (
                INSERT INTO inbound_raw (message, raw) SELECT m.id, \(Data(message.raw)) FROM m)
            SELECT id FROM m
            """, as: Int64.self) else { throw MissingRow(table: "inbound_message") }
        return id
    }

    func recordSMS(_ sms: InboundSMS) throws -> Int64? {
        try scalar("""
            INSERT INTO inbound_sms (provider, provider_id, sender, recipient, text, received_at)
            VALUES (\(sms.provider), \(sms.providerID), \(sms.sender), \(sms.recipient), \(sms.text), \(sms.receivedAt))
            ON CONFLICT (provider, provider_id) DO NOTHING
            RETURNING id
            """, as: Int64.self)
    }

    func recordedSMS(provider: String, providerID: String) throws -> RecordedSMS? {
        try rows("SELECT id, list, intent, action, reason FROM inbound_sms WHERE provider = \(provider) AND provider_id = \(providerID)")
            .first.map {
                let columns = $0.columns
                return RecordedSMS(id: try columns["id"], list: try columns["list"], intent: try columns["intent"],
                                   answered: (try columns["action"] as String?) == "reply", reason: try columns["reason"])
            }
    }

    func recordSMSOutcome(id: Int64, list: String, intent: String?, answered: Bool, reason: String?, outbound: Int64?) throws {
        try execute("""
            UPDATE inbound_sms SET list = \(list), intent = \(intent), action = \(answered ? "reply" : "none"), reason = \(reason),
                outbound = \(outbound) WHERE id = \(id)
            """)
    }

    func recordNotification(_ request: NotificationRequest, record: NotificationEntry) throws -> Int64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let (customer, data, notes) = (try json(request.customer), try json(request.data), try json(record.notes))
        guard let id = try scalar("""
            INSERT INTO notification (order_id, event, customer, customer_email, customer_phone, data, forced, status, reason,
                                      notes, requested_at, send_at, quiet_hours, time_zone)
            VALUES (\(request.orderID), \(request.event), \(customer), \(request.customer.email), \(request.customer.phone),
                    \(data), \(request.force), \(record.status), \(record.reason), \(notes), \(record.requestedAt), \(record.sendAt),
                    \(record.quietHours), \(record.timeZone))
            RETURNING id
            """, as: Int64.self) else { throw MissingRow(table: "notification") }
        return id
    }

    /// A second node's INSERT waits for the first one's commit, then finds the key held and changes
    /// nothing: exactly one of them gets `true`.
    func claimReply(_ key: ReplyKey, at now: Date, period: TimeInterval) throws -> Bool {
        try !rows("""
            INSERT INTO reply_history (mailbox, sender, response_id, last_reply_at)
            VALUES (\(key.mailbox), \(key.sender), \(key.responseID), \(now))
            ON CONFLICT (mailbox, sender, response_id) DO UPDATE SET last_reply_at = excluded.last_reply_at
            WHERE reply_history.last_reply_at <= \(now.addingTimeInterval(-period))
            RETURNING 1
            """).isEmpty
    }

    func recordDecision(_ decision: RecordedDecision, message: Int64, outbound: Int64?) throws {
        try execute("""
            INSERT INTO decision (message, recipient, mailbox, action, reason, checks, outbound, decided_at)
            VALUES (\(message), \(decision.recipient), \(decision.mailbox), \(decision.reason == nil ? "reply" : "suppress"),
                    \(decision.reason), \(RuleCheck.json(decision.checks)), \(outbound), \(decision.at))
            """)
    }

    func enqueue(_ message: OutboundMessage) throws -> Int64 {
        guard let id = try scalar("""
            INSERT INTO outbound (channel, kind, inbound_message, mailbox, list_key, intent, notification, envelope_sender,
                                  recipient, subject, data, status, created_at, next_attempt_at)
            VALUES (\(message.channel.rawValue), \(message.kind), \(message.inboundMail), \(message.mailbox), \(message.listKey),
                    \(message.intent), \(message.notification), \(message.envelopeFrom), \(message.recipient), \(message.subject),
                    \(Data(message.data)), 'queued', \(message.createdAt), \(message.dueAt))
            RETURNING id
            """, as: Int64.self) else { throw MissingRow(table: "outbound") }
        return id
    }

    /// The time stays that of the first STOP of a run of them: the send gate lets that STOP's
    /// farewell through.
    func setSubscription(_ change: SubscriptionChange) throws {
        let table = change.channel == .sms ? "sms_subscription" : "mail_subscription"
        let column = change.channel == .sms ? "number" : "address"
        try execute("""
            INSERT INTO \(unescaped: table) AS s (list, \(unescaped: column), status, changed_at)
            VALUES (\(change.list), \(change.address), \(change.status.rawValue), \(change.at))
            ON CONFLICT (list, \(unescaped: column)) DO UPDATE SET status = excluded.status,
                changed_at = CASE WHEN s.status = excluded.status THEN s.changed_at ELSE excluded.changed_at END
            """)
    }

    func noteAutoreply(list: String, number: String, at now: Date) throws {
        try execute("""
            INSERT INTO sms_subscription (list, number, status, changed_at, last_autoreply_at) VALUES (\(list), \(number), 'in', \(now), \(now))
            ON CONFLICT (list, number) DO UPDATE SET last_autoreply_at = excluded.last_autoreply_at
            """)
    }

    func setPendingConfirmation(list: String, address: String, token: String, at now: Date) throws {
        try execute("""
            INSERT INTO mail_confirmation (list, address, token, requested_at) VALUES (\(list), \(address), \(token), \(now))
            ON CONFLICT (list, address) DO UPDATE SET token = excluded.token, requested_at = excluded.requested_at
            """)
    }

    func clearPendingConfirmation(list: String, address: String) throws {
        try execute("DELETE FROM mail_confirmation WHERE list = \(list) AND address = \(address)")
    }
}

/// An INSERT ... RETURNING returned nothing: never expected, reported rather than trapped on.
struct MissingRow: Error, CustomStringConvertible {
    var table: String
    var description: String { "no row came back from the insert into \(table)" }
}
