import Foundation
import GRDB
import ReplydCore
import ReplydPipeline

extension SQLiteStore: OutboundQueue {
    public func claimDue(channel: OutboundChannel, owner: String, now: Date, limit: Int, lease: Duration,
                         gate: @Sendable (SMSSendGate.Candidate) -> SMSSendGate.Verdict) async throws -> [OutboundItem] {
        let until = now.addingTimeInterval(lease.timeInterval)
        return try await pool.writeWithoutTransaction { db in
            // A lease is soft state: if a power cut loses it, the item is merely claimable again. So
            // the claim skips the fsync that messages and delivery results get; the next FULL commit
            // makes it durable anyway.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            var items: [OutboundItem] = []
            var suppressed = 0
            try db.inTransaction {
                (items, suppressed) = try Self.claim(db, channel: channel, owner: owner, now: now, until: until, limit: limit, gate: gate)
                return .commit
            }
            StoreMetrics.reply(channel: channel.rawValue, state: "suppressed", count: suppressed)
            return items
        }
    }

    private static func claim(_ db: Database, channel: OutboundChannel, owner: String, now: Date, until: Date, limit: Int,
                              gate: (SMSSendGate.Candidate) -> SMSSendGate.Verdict) throws -> (items: [OutboundItem], suppressed: Int) {
        // Pick and lease in one transaction. On PostgreSQL this is one UPDATE over a
        // SELECT ... FOR UPDATE SKIP LOCKED; here the single writer makes it atomic.
        // For SMS the opt-out is read in the same transaction, just before the send.
        let due = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT o.id, o.lease_owner, o.intent, o.created_at, s.changed_at AS opted_out_at FROM outbound o
            LEFT JOIN sms_subscription s ON o.channel = 'sms' AND s.list = o.list_key AND s.number = o.recipient AND s.status = 'out'
            WHERE o.channel = ? AND o.status = 'queued' AND o.next_attempt_at <= ? AND (o.lease_until IS NULL OR o.lease_until < ?)
            ORDER BY o.next_attempt_at, o.id LIMIT ?
            """), arguments: [channel.rawValue, now, now, limit])
        let resumed = Set(due.filter { ($0["lease_owner"] as String?) != nil }.map { $0["id"] as Int64 })
        var items: [OutboundItem] = []
        var suppressed = 0
        let claim = try db.cachedStatement(sql: """
            UPDATE outbound SET lease_owner = ?, lease_until = ? WHERE id = ?
            RETURNING id, envelope_sender, recipient, data, attempts, created_at, notification
            """)
        let quiet = try db.cachedStatement(sql: "SELECT quiet_hours, time_zone FROM notification WHERE id = ?")
        for row in due {
            let id: Int64 = row["id"]
            if channel == .sms,
               case .suppress(let reason) = gate(SMSSendGate.Candidate(intent: row["intent"], queuedAt: row["created_at"],
                                                                      optedOutAt: row["opted_out_at"])) {
                try suppress(db, id: id, reason: reason, at: now)
                suppressed += 1
                continue
            }
            guard let claimed = try Row.fetchOne(claim, arguments: [owner, until, id]) else { continue }
            let window = try (claimed["notification"] as Int64?).flatMap { try Row.fetchOne(quiet, arguments: [$0]) }
            items.append(OutboundItem(id: id, envelopeSender: claimed["envelope_sender"], recipient: claimed["recipient"],
                                      data: Array(claimed["data"] as Data), attempts: claimed["attempts"],
                                      createdAt: claimed["created_at"], resumed: resumed.contains(id),
                                      quietHours: window?["quiet_hours"], timeZone: window?["time_zone"]))
        }
        return (items, suppressed)
    }

    /// Never sent, and never will be: recorded as an attempt so `log` and `queue list` say why.
    private static func suppress(_ db: Database, id: Int64, reason: String, at now: Date) throws {
        try db.execute(sql: """
            INSERT INTO delivery_attempt (outbound, attempted_at, outcome, detail) VALUES (?, ?, 'suppressed', ?)
            """, arguments: [id, now, reason])
        try db.execute(sql: """
            UPDATE outbound SET status = 'suppressed', lease_owner = NULL, lease_until = NULL, last_error = ? WHERE id = ?
            """, arguments: [reason, id])
    }

    public func renew(_ ids: [Int64], owner: String, until: Date) async throws {
        guard !ids.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE outbound SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'queued'")
            for id in ids { try statement.execute(arguments: [until, id, owner]) }
        }
    }

    /// One delivery's result, as the worker reports it.
    struct Completion: Sendable {
        var item: OutboundItem
        var outcome: DeliveryOutcome
        var next: RetrySchedule.Next
        var at: Date
    }

    /// Group-committed like inbound mail: results that arrive together share one transaction and one
    /// fsync. The worker hears back only after the one holding its result has committed, and a far
    /// side's 250 is never recorded before it was received, so the at-least-once window stays as it
    /// was (a crash before the commit means the item is sent again after its lease).
    public func complete(_ item: OutboundItem, outcome: DeliveryOutcome, next: RetrySchedule.Next, at now: Date) async throws {
        let notification = try await completions.submit(Completion(item: item, outcome: outcome, next: next, at: now))
        if let notification, notification.id != nil {
            StoreMetrics.notificationSent(channel: notification.channel)
        }
    }

    static func commitCompletions(_ batch: [Completion], pool: DatabasePool) async throws -> [NotificationSent?] {
        let started = ContinuousClock.now
        let results = try await pool.write { db in try batch.map { try Self.record($0, db: db) } }
        StoreMetrics.committed(backend: "sqlite", duration: ContinuousClock.now - started)
        return results
    }

    /// The channel and notification of an item marked sent (for the notification metrics).
    typealias NotificationSent = (channel: String, id: Int64?)

    static func record(_ completion: Completion, db: Database) throws -> NotificationSent? {
        let (item, now, next) = (completion.item, completion.at, completion.next)
        let attempt = completion.outcome.attemptRow(resumed: item.resumed)
        try db.cachedStatement(sql: """
            INSERT INTO delivery_attempt (outbound, attempted_at, remote_host, outcome, reply_code, detail, tls_version)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [item.id, now, attempt.host, attempt.outcome, attempt.replyCode, attempt.recordedDetail,
                                     attempt.tlsVersion])
        switch next {
        case .done:
            try db.cachedStatement(sql: """
                UPDATE outbound SET status = 'sent', sent_at = ?, remote_host = ?, attempts = attempts + 1,
                    lease_owner = NULL, lease_until = NULL, last_error = NULL WHERE id = ?
                """).execute(arguments: [now, attempt.host, item.id])
        case .retry(let at):
            try db.cachedStatement(sql: """
                UPDATE outbound SET next_attempt_at = ?, attempts = attempts + 1, lease_owner = NULL,
                    lease_until = NULL, last_error = ? WHERE id = ?
                """).execute(arguments: [at, attempt.detail, item.id])
        case .giveUp(let reason):
            try db.cachedStatement(sql: """
                UPDATE outbound SET status = 'failed', attempts = attempts + 1, lease_owner = NULL,
                    lease_until = NULL, last_error = ? WHERE id = ?
                """).execute(arguments: [reason, item.id])
        }
        guard case .done = next else { return nil }
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT channel, notification FROM outbound WHERE id = ?"), arguments: [item.id])
        return row.map { ($0["channel"], $0["notification"]) }
    }

    public func release(_ id: Int64, owner: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE outbound SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                           arguments: [id, owner])
        }
    }

    public func nextDue(channel: OutboundChannel) async throws -> Date? {
        try await pool.read { db in
            try Date.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM outbound WHERE channel = ? AND status = 'queued'",
                              arguments: [channel.rawValue])
        }
    }

    // MARK: For `replyd queue`


    public func queueEntries(includeSent: Bool, limit: Int) async throws -> [QueueEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM outbound WHERE status IN ('queued', 'failed') OR ? ORDER BY id DESC LIMIT ?
                """, arguments: [includeSent, limit]).map(Self.queueEntry)
        }
    }

    /// One page of the queue, newest first. `status` is `pending` (never tried), `deferred` (tried,
    /// will retry) or a stored status; nil means everything still open (pending, deferred, failed).
    public func queuePage(status: String?, limit: Int, offset: Int) async throws -> (items: [QueueEntry], total: Int) {
        let condition: String
        switch status {
        case nil: condition = "status IN ('queued', 'failed')"
        case "pending": condition = "status = 'queued' AND attempts = 0"
        case "deferred": condition = "status = 'queued' AND attempts > 0"
        default: condition = "status = ?"
        }
        let arguments: StatementArguments = ["pending", "deferred", nil].contains(status) ? [] : [status]
        return try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbound WHERE \(condition)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM outbound WHERE \(condition) ORDER BY id DESC LIMIT ? OFFSET ?",
                                        arguments: arguments + [limit, offset])
            return (rows.map(Self.queueEntry), total)
        }
    }

    public func queueEntry(id: Int64) async throws -> QueueEntry? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM outbound WHERE id = ?", arguments: [id]).map(Self.queueEntry) }
    }

    static func queueEntry(_ row: Row) -> QueueEntry {
        var entry = QueueEntry(id: row["id"], channel: row["channel"], kind: row["kind"], intent: row["intent"], status: row["status"],
                               recipient: row["recipient"], envelopeSender: row["envelope_sender"], subject: row["subject"],
                               createdAt: row["created_at"], nextAttemptAt: row["next_attempt_at"], attempts: row["attempts"],
                               lastError: row["last_error"], sentAt: row["sent_at"], remoteHost: row["remote_host"])
        entry.inboundMessage = row["inbound_message"]
        entry.notification = row["notification"]
        entry.listKey = row["list_key"]
        entry.mailbox = row["mailbox"]
        return entry
    }

    /// `queue retry`: due now, failed items back in the queue.
    public func retryNow(_ id: Int64, at now: Date) async throws -> QueueChange {
        try await changeOpen(id, at: now, sql: """
            UPDATE outbound SET status = 'queued', next_attempt_at = ?, lease_owner = NULL, lease_until = NULL
            WHERE id = ? AND status IN ('queued', 'failed') AND (lease_until IS NULL OR lease_until < ?)
            """, arguments: [now, id, now])
    }

    /// `queue drop`: never sent; kept with status 'dropped' for the record.
    public func drop(_ id: Int64, at now: Date) async throws -> QueueChange {
        try await changeOpen(id, at: now, sql: """
            UPDATE outbound SET status = 'dropped', lease_owner = NULL, lease_until = NULL
            WHERE id = ? AND status IN ('queued', 'failed') AND (lease_until IS NULL OR lease_until < ?)
            """, arguments: [id, now])
    }

    private func changeOpen(_ id: Int64, at now: Date, sql: String, arguments: StatementArguments) async throws -> QueueChange {
        try await pool.write { db in
            try db.execute(sql: sql, arguments: arguments)
            if db.changesCount > 0 { return .done }
            let leased = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM outbound WHERE id = ? AND status IN ('queued', 'failed') AND lease_until >= ?)
                """, arguments: [id, now]) ?? false
            return leased ? .inFlight : .notFound
        }
    }

    public func attempts(outbound id: Int64) async throws -> [AttemptRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT attempted_at, remote_host, outcome, reply_code, detail, tls_version FROM delivery_attempt WHERE outbound = ? ORDER BY id
                """, arguments: [id]).map {
                AttemptRecord(at: $0["attempted_at"], host: $0["remote_host"], outcome: $0["outcome"], replyCode: $0["reply_code"],
                              detail: $0["detail"], tlsVersion: $0["tls_version"])
            }
        }
    }
}
