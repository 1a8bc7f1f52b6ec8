import Foundation
import PostgresNIO
import ReplydCore

/// SMS lists, e-mail lists and their subscriptions, as the command line and the API change and read them.
extension PostgresStore {
    private func strings(_ query: PostgresQuery) async throws -> [String] {
        try await read(query).map { try $0.makeRandomAccess()[0].decode(String.self) }
    }

    // MARK: SMS

    public func setSMSList(_ list: SMSList, at now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
        _ = try await read("""
            INSERT INTO sms_list (key, number, prefix, settings, updated_at) VALUES (\(list.key), \(list.number), \(list.prefix), \(json), \(now))
            ON CONFLICT (key) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
            """)
    }

    public func smsLists() async throws -> [SMSList] {
        try await strings("SELECT settings FROM sms_list ORDER BY key").map { try JSONDecoder().decode(SMSList.self, from: Data($0.utf8)) }
    }

    public func smsList(key: String) async throws -> SMSList? {
        try await strings("SELECT settings FROM sms_list WHERE key = \(key)").first
            .map { try JSONDecoder().decode(SMSList.self, from: Data($0.utf8)) }
    }

    /// The list goes; its subscriptions (opt-outs included) stay.
    public func deleteSMSList(key: String) async throws -> Bool {
        try await !read("DELETE FROM sms_list WHERE key = \(key) RETURNING 1").isEmpty
    }

    public func smsSubscriptions(list: String, status: String?, limit: Int, offset: Int) async throws
        -> (items: [SMSSubscriptionRecord], total: Int) {
        let filter: PostgresQuery = status.map { "list = \(list) AND status = \($0)" } ?? "list = \(list)"
        let total = try await read(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM sms_subscription WHERE " + filter.sql, binds: filter.binds))
            .first.map { try $0.makeRandomAccess()[0].decode(Int.self) } ?? 0
        var binds = filter.binds
        binds.append(limit)
        binds.append(offset)
        let page = PostgresQuery(unsafeSQL: """
            SELECT number, status, changed_at, last_autoreply_at FROM sms_subscription WHERE \(filter.sql)
            ORDER BY number LIMIT $\(filter.binds.count + 1) OFFSET $\(filter.binds.count + 2)
            """, binds: binds)
        let items = try await read(page).map {
            let c = $0.columns
            return SMSSubscriptionRecord(number: try c["number"], status: try c["status"], changedAt: try c["changed_at"],
                                         lastAutoreplyAt: try c["last_autoreply_at"])
        }
        return (items, total)
    }

    public func recentSMS(limit: Int) async throws -> [InboundSMSRecord] {
        try await read("SELECT * FROM inbound_sms ORDER BY id DESC LIMIT \(limit)").map {
            let c = $0.columns
            return InboundSMSRecord(id: try c["id"], provider: try c["provider"], providerID: try c["provider_id"], sender: try c["sender"],
                                    recipient: try c["recipient"], text: try c["text"], receivedAt: try c["received_at"], list: try c["list"],
                                    intent: try c["intent"], action: try c["action"], reason: try c["reason"], outbound: try c["outbound"])
        }
    }

    public func smsSubscriptions(number: String) async throws -> [(list: String, status: String)] {
        try await read("SELECT list, status FROM sms_subscription WHERE number = \(number) ORDER BY list").map {
            let c = $0.columns
            return (list: try c["list"], status: try c["status"])
        }
    }

    // MARK: E-mail lists

    public func setMailList(_ list: MailList, at now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
        _ = try await read("""
            INSERT INTO mail_list (address, settings, updated_at) VALUES (\(list.address), \(json), \(now))
            ON CONFLICT (address) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
            """)
    }

    public func mailLists() async throws -> [MailListSummary] {
        try await read("""
            SELECT l.settings,
                   (SELECT COUNT(*) FROM mail_subscription s WHERE s.list = l.address AND s.status = 'in') AS subscribed,
                   (SELECT COUNT(*) FROM mail_subscription s WHERE s.list = l.address AND s.status = 'out') AS opted_out
            FROM mail_list l ORDER BY l.address
            """).map { row in
            let c = row.columns
            return MailListSummary(list: try JSONDecoder().decode(MailList.self, from: Data((try c["settings"] as String).utf8)),
                                   subscribed: try c["subscribed"], optedOut: try c["opted_out"])
        }
    }

    public func mailSubscribers(list: String) async throws -> [(address: String, status: String, changedAt: Date)] {
        try await read("SELECT address, status, changed_at FROM mail_subscription WHERE list = \(list.lowercased()) ORDER BY address").map {
            let c = $0.columns
            return (address: try c["address"], status: try c["status"], changedAt: try c["changed_at"])
        }
    }

    // MARK: Notifications

    public func notification(id: Int64) async throws -> NotificationRecord? {
        guard let row = try await read("SELECT * FROM notification WHERE id = \(id)").first else { return nil }
        let deliveries = try await read("""
            SELECT id, channel, recipient, status, attempts, next_attempt_at, sent_at, last_error FROM outbound
            WHERE notification = \(id) ORDER BY id
            """).map { row in
            let c = row.columns
            let attempts: Int = try c["attempts"]
            return NotificationDelivery(channel: try c["channel"], outboundID: try c["id"], recipient: try c["recipient"],
                                        status: QueueEntry.displayStatus(stored: try c["status"], attempts: attempts),
                                        attempts: attempts, dueAt: try c["next_attempt_at"], sentAt: try c["sent_at"],
                                        lastError: try c["last_error"])
        }
        let c = row.columns
        let decoder = JSONDecoder()
        return NotificationRecord(
            id: id, orderID: try c["order_id"], event: try c["event"],
            customer: try decoder.decode(Customer.self, from: Data((try c["customer"] as String).utf8)),
            data: try decoder.decode([String: String].self, from: Data((try c["data"] as String).utf8)),
            forced: try c["forced"], status: try c["status"], reason: try c["reason"],
            notes: try decoder.decode([String].self, from: Data((try c["notes"] as String).utf8)),
            requestedAt: try c["requested_at"], sendAt: try c["send_at"], deliveries: deliveries)
    }

    public func notifications(order: String) async throws -> [NotificationRecord] {
        var records: [NotificationRecord] = []
        for row in try await read("SELECT id FROM notification WHERE order_id = \(order) ORDER BY id") {
            if let record = try await notification(id: try row.makeRandomAccess()[0].decode(Int64.self)) { records.append(record) }
        }
        return records
    }

    public func savedNotificationTemplates(events: [String]) async throws -> [SavedTemplate] {
        var saved: [SavedTemplate] = []
        for event in events {
            for row in try await read("SELECT channel, locale, subject, body FROM notification_template WHERE event = \(event)") {
                let c = row.columns
                guard let channel = NotificationChannel(rawValue: try c["channel"]) else { continue }
                saved.append(SavedTemplate(event: event, channel: channel, locale: try c["locale"],
                                           template: NotificationTemplate(subject: try c["subject"], body: try c["body"])))
            }
        }
        return saved
    }

    public func setNotificationTemplate(event: String, channel: NotificationChannel, locale: String, _ template: NotificationTemplate,
                                        at now: Date) async throws {
        _ = try await read("""
            INSERT INTO notification_template (event, channel, locale, subject, body, updated_at)
            VALUES (\(event), \(channel.rawValue), \(locale), \(template.subject), \(template.body), \(now))
            ON CONFLICT (event, channel, locale) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = excluded.updated_at
            """)
    }

    // MARK: Figures and retention

    public func status(now: Date) async throws -> StoreStatus {
        let queued = try await read("SELECT channel, COUNT(*) AS n FROM outbound WHERE status = 'queued' GROUP BY channel").map {
            let c = $0.columns
            return (try c["channel"] as String, try c["n"] as Int)
        }
        let vacations = try await strings("SELECT settings FROM vacation").compactMap { try? JSONDecoder().decode(Vacation.self, from: Data($0.utf8)) }
        let counts = try await read("""
            SELECT (SELECT COUNT(*) FROM inbound_message) AS messages, (SELECT COUNT(*) FROM inbound_sms) AS sms,
                   (SELECT COUNT(*) FROM outbound WHERE status = 'failed') AS failed,
                   (SELECT MIN(created_at) FROM outbound WHERE status = 'queued' AND next_attempt_at <= \(now)) AS oldest
            """)[0].columns
        return StoreStatus(inboundMessages: try counts["messages"], inboundSMS: try counts["sms"],
                           queued: Dictionary(uniqueKeysWithValues: queued), failed: try counts["failed"],
                           oldestQueuedAt: try counts["oldest"], activeVacations: vacations.filter { $0.isActive(at: now) }.count)
    }

    /// Batches, so a large backlog never holds many rows locked for long; driven from inbound_raw, so
    /// pruned history is never walked again.
    public func pruneRaw(receivedBefore cutoff: Date, batch: Int) async throws -> PruneResult {
        var total = 0
        while true {
            let pruned = try await read("""
                DELETE FROM inbound_raw WHERE message IN (
                    SELECT message FROM inbound_raw
                    WHERE message <= (SELECT MAX(id) FROM inbound_message WHERE received_at < \(cutoff))
                    ORDER BY message LIMIT \(batch))
                RETURNING 1
                """).count
            total += pruned
            if pruned < batch { return PruneResult(messages: total) }
        }
    }
}
