import Foundation
import Logging
import PostgresNIO
import ReplydCore
import ReplydPipeline

extension PostgresStore: OutboundQueue {
    /// Picks and leases in one transaction: `FOR UPDATE SKIP LOCKED` hands each due row to exactly
    /// one node, and a node's expired lease (it died mid-delivery) makes the row due for the others.
    /// For SMS the opt-out is read in the same transaction, on whichever node claims.
    public func claimDue(channel: OutboundChannel, owner: String, now: Date, limit: Int, lease: Duration,
                         gate: @Sendable (SMSSendGate.Candidate) -> SMSSendGate.Verdict) async throws -> [OutboundItem] {
        let until = now.addingTimeInterval(lease.timeInterval)
        let logger = self.logger
        return try await withoutActuallyEscaping(gate) { gate in
            let (items, suppressed) = try await transaction { connection in
                let due = try await connection.query("""
                    SELECT o.id, o.lease_owner, o.intent, o.created_at, s.changed_at AS opted_out_at FROM outbound o
                    LEFT JOIN sms_subscription s ON o.channel = 'sms' AND s.list = o.list_key AND s.number = o.recipient AND s.status = 'out'
                    WHERE o.channel = \(channel.rawValue) AND o.status = 'queued' AND o.next_attempt_at <= \(now)
                      AND (o.lease_until IS NULL OR o.lease_until < \(now))
                    ORDER BY o.next_attempt_at, o.id LIMIT \(limit)
                    FOR UPDATE OF o SKIP LOCKED
                    """, logger: logger).collect()
                var items: [OutboundItem] = []
                var suppressed = 0
                for row in due {
                    let columns = row.columns
                    let id: Int64 = try columns["id"]
                    if channel == .sms,
                       case .suppress(let reason) = gate(SMSSendGate.Candidate(intent: try columns["intent"], queuedAt: try columns["created_at"],
                                                                              optedOutAt: try columns["opted_out_at"])) {
                        try await connection.query("""
                            INSERT INTO delivery_attempt (outbound, attempted_at, outcome, detail) VALUES (\(id), \(now), 'suppressed', \(reason))
                            """, logger: logger)
                        try await connection.query("""
                            UPDATE outbound SET status = 'suppressed', lease_owner = NULL, lease_until = NULL, last_error = \(reason) WHERE id = \(id)
                            """, logger: logger)
                        suppressed += 1
                        continue
                    }
                    let resumed = (try columns["lease_owner"] as String?) != nil
                    guard let claimed = try await connection.query("""
                        UPDATE outbound o SET lease_owner = \(owner), lease_until = \(until) WHERE o.id = \(id)
                        RETURNING o.envelope_sender, o.recipient, o.data, o.attempts, o.created_at,
                                  (SELECT n.quiet_hours FROM notification n WHERE n.id = o.notification) AS quiet_hours,
                                  (SELECT n.time_zone FROM notification n WHERE n.id = o.notification) AS time_zone
                        """, logger: logger).collect().first else { continue }
                    let c = claimed.columns
                    items.append(OutboundItem(id: id, envelopeSender: try c["envelope_sender"], recipient: try c["recipient"],
                                              data: Array(try c["data"] as Data), attempts: try c["attempts"],
                                              createdAt: try c["created_at"], resumed: resumed,
                                              quietHours: try c["quiet_hours"], timeZone: try c["time_zone"]))
                }
                return (items, suppressed)
            }
            StoreMetrics.reply(channel: channel.rawValue, state: "suppressed", count: suppressed)
            return items
        }
    }

    public func renew(_ ids: [Int64], owner: String, until: Date) async throws {
        guard !ids.isEmpty else { return }
        let logger = self.logger
        _ = try await leased { connection in
            try await connection.query("""
                UPDATE outbound SET lease_until = \(until) WHERE id = ANY(\(ids)::bigint[]) AND lease_owner = \(owner) AND status = 'queued'
                """, logger: logger)
        }
    }

    /// One delivery's result, as the worker reports it.
    struct Completion: Sendable {
        var item: OutboundItem
        var outcome: DeliveryOutcome
        var next: RetrySchedule.Next
        var at: Date
    }

    /// The channel and notification of an item marked sent (for the notification metrics).
    typealias NotificationSent = (channel: String, id: Int64?)

    /// Group-committed: results that arrive together share one transaction. The worker hears back
    /// only after it committed, and a 250 is never recorded before it was received.
    public func complete(_ item: OutboundItem, outcome: DeliveryOutcome, next: RetrySchedule.Next, at now: Date) async throws {
        let notification = try await completions.submit(Completion(item: item, outcome: outcome, next: next, at: now))
        if let notification, notification.id != nil {
            StoreMetrics.notificationSent(channel: notification.channel)
        }
    }

    static func commitCompletions(_ batch: [Completion], connection: PostgresConnection, logger: Logger) async throws -> [NotificationSent?] {
        let started = ContinuousClock.now
        try await connection.query("BEGIN", logger: logger)
        do {
            var results: [NotificationSent?] = []
            for completion in batch {
                results.append(try await record(completion, connection: connection, logger: logger))
            }
            try await connection.query("COMMIT", logger: logger)
            StoreMetrics.committed(backend: "postgres", duration: ContinuousClock.now - started)
            return results
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    static func record(_ completion: Completion, connection: PostgresConnection, logger: Logger) async throws -> NotificationSent? {
        let (item, now, next) = (completion.item, completion.at, completion.next)
        let attempt = completion.outcome.attemptRow(resumed: item.resumed)
        try await connection.query("""
            INSERT INTO delivery_attempt (outbound, attempted_at, remote_host, outcome, reply_code, detail, tls_version)
            VALUES (\(item.id), \(now), \(attempt.host), \(attempt.outcome), \(attempt.replyCode), \(attempt.recordedDetail), \(attempt.tlsVersion))
            """, logger: logger)
        switch next {
        case .done:
            let row = try await connection.query("""
                UPDATE outbound SET status = 'sent', sent_at = \(now), remote_host = \(attempt.host), attempts = attempts + 1,
                    lease_owner = NULL, lease_until = NULL, last_error = NULL WHERE id = \(item.id)
                RETURNING channel, notification
                """, logger: logger).collect().first
            return try row.map { let c = $0.columns; return (try c["channel"], try c["notification"]) }
        case .retry(let at):
            try await connection.query("""
                UPDATE outbound SET next_attempt_at = \(at), attempts = attempts + 1, lease_owner = NULL,
                    lease_until = NULL, last_error = \(attempt.detail) WHERE id = \(item.id)
                """, logger: logger)
        case .giveUp(let reason):
            try await connection.query("""
                UPDATE outbound SET status = 'failed', attempts = attempts + 1, lease_owner = NULL,
                    lease_until = NULL, last_error = \(reason) WHERE id = \(item.id)
                """, logger: logger)
        }
        return nil
    }

    public func release(_ id: Int64, owner: String) async throws {
        let logger = self.logger
        _ = try await leased { connection in
            try await connection.query("UPDATE outbound SET lease_owner = NULL, lease_until = NULL WHERE id = \(id) AND lease_owner = \(owner)",
                                       logger: logger)
        }
    }

    public func nextDue(channel: OutboundChannel) async throws -> Date? {
        try await read("SELECT MIN(next_attempt_at) FROM outbound WHERE channel = \(channel.rawValue) AND status = 'queued'").first
            .map { try $0.makeRandomAccess()[0].decode(Date?.self) } ?? nil
    }

    // MARK: For `replyd queue`

    public func queueEntries(includeSent: Bool, limit: Int) async throws -> [QueueEntry] {
        try await read("""
            SELECT * FROM outbound WHERE status IN ('queued', 'failed') OR \(includeSent) ORDER BY id DESC LIMIT \(limit)
            """).map(Self.queueEntry)
    }

    public func queuePage(status: String?, limit: Int, offset: Int) async throws -> (items: [QueueEntry], total: Int) {
        let condition: PostgresQuery
        switch status {
        case nil: condition = "status IN ('queued', 'failed')"
        case "pending": condition = "status = 'queued' AND attempts = 0"
        case "deferred": condition = "status = 'queued' AND attempts > 0"
        case let stored?: condition = "status = \(stored)"
        }
        var count = PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM outbound WHERE " + condition.sql, binds: condition.binds)
        let total = try await read(count).first.map { try $0.makeRandomAccess()[0].decode(Int.self) } ?? 0
        var binds = condition.binds
        binds.append(limit)
        binds.append(offset)
        let n = condition.binds.count
        count = PostgresQuery(unsafeSQL: "SELECT * FROM outbound WHERE \(condition.sql) ORDER BY id DESC LIMIT $\(n + 1) OFFSET $\(n + 2)",
                              binds: binds)
        return (try await read(count).map(Self.queueEntry), total)
    }

    public func queueEntry(id: Int64) async throws -> QueueEntry? {
        try await read("SELECT * FROM outbound WHERE id = \(id)").first.map(Self.queueEntry)
    }

    static func queueEntry(_ row: PostgresRow) throws -> QueueEntry {
        let c = row.columns
        var entry = QueueEntry(id: try c["id"], channel: try c["channel"], kind: try c["kind"], intent: try c["intent"], status: try c["status"],
                               recipient: try c["recipient"], envelopeSender: try c["envelope_sender"], subject: try c["subject"],
                               createdAt: try c["created_at"], nextAttemptAt: try c["next_attempt_at"], attempts: try c["attempts"],
                               lastError: try c["last_error"], sentAt: try c["sent_at"], remoteHost: try c["remote_host"])
        entry.inboundMessage = try c["inbound_message"]
        entry.notification = try c["notification"]
        entry.listKey = try c["list_key"]
        entry.mailbox = try c["mailbox"]
        return entry
    }

    /// `queue retry`: due now, failed items back in the queue.
    public func retryNow(_ id: Int64, at now: Date) async throws -> QueueChange {
        try await changeOpen(id, at: now, """
            UPDATE outbound SET status = 'queued', next_attempt_at = \(now), lease_owner = NULL, lease_until = NULL
            WHERE id = \(id) AND status IN ('queued', 'failed') AND (lease_until IS NULL OR lease_until < \(now)) RETURNING 1
            """)
    }

    /// `queue drop`: never sent; kept with status 'dropped' for the record.
    public func drop(_ id: Int64, at now: Date) async throws -> QueueChange {
        try await changeOpen(id, at: now, """
            UPDATE outbound SET status = 'dropped', lease_owner = NULL, lease_until = NULL
            WHERE id = \(id) AND status IN ('queued', 'failed') AND (lease_until IS NULL OR lease_until < \(now)) RETURNING 1
            """)
    }

    private func changeOpen(_ id: Int64, at now: Date, _ change: PostgresQuery) async throws -> QueueChange {
        let logger = self.logger
        return try await transaction { connection in
            if try await !connection.query(change, logger: logger).collect().isEmpty { return .done }
            let leased = try await connection.query("""
                SELECT EXISTS (SELECT 1 FROM outbound WHERE id = \(id) AND status IN ('queued', 'failed') AND lease_until >= \(now))
                """, logger: logger).scalar(Bool.self) ?? false
            return leased ? .inFlight : .notFound
        }
    }

    public func attempts(outbound id: Int64) async throws -> [AttemptRecord] {
        try await read("""
            SELECT attempted_at, remote_host, outcome, reply_code, detail, tls_version FROM delivery_attempt WHERE outbound = \(id) ORDER BY id
            """).map {
            let c = $0.columns
            return AttemptRecord(at: try c["attempted_at"], host: try c["remote_host"], outcome: try c["outcome"],
                                 replyCode: try c["reply_code"], detail: try c["detail"], tlsVersion: try c["tls_version"])
        }
    }
}

extension PostgresStore {
    /// One statement on a pooled connection, its rows collected.
    func read(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = self.logger
        return try await leased { connection in try await connection.query(query, logger: logger).collect() }
    }
}
