import Metrics

/// What the store reports to the metrics system (Prometheus at `/metrics` when `serve` bootstraps
/// it; a no-op otherwise). Recorded after the transaction commits, never for rolled-back work.
enum StoreMetrics {
    static func committed(duration: Duration) {
        Timer(label: "replyd_sqlite_commit_seconds").recordNanoseconds(duration.nanoseconds)
    }

    static func decided(_ outcomes: [ReplyEngine.Outcome]) {
        for outcome in outcomes {
            Counter(label: "replyd_decisions_total", dimensions: [("reason", outcome.reason)]).increment()
            if outcome.queued { reply(channel: "email", state: "queued") }
        }
    }

    static func smsReceived(intent: String?, replied: Bool) {
        Counter(label: "replyd_sms_inbound_total", dimensions: [("intent", intent ?? "no-list")]).increment()
        if replied { reply(channel: "sms", state: "queued") }
    }

    static func notified(_ result: SQLiteStore.NotificationResult) {
        switch result {
        case .duplicate:
            Counter(label: "replyd_notifications_total", dimensions: [("outcome", "duplicate")]).increment()
        case .recorded(let record):
            Counter(label: "replyd_notifications_total", dimensions: [("outcome", record.status)]).increment()
            // The code before any detail: "order-limit: 4 already" counts as order-limit.
            func code(_ text: String) -> String { text.split(separator: ":").first.map(String.init) ?? text }
            if let reason = record.reason {
                Counter(label: "replyd_notifications_held_total", dimensions: [("reason", code(reason))]).increment()
            }
            for note in record.notes {
                Counter(label: "replyd_notifications_adjusted_total", dimensions: [("reason", code(note))]).increment()
            }
            for delivery in record.deliveries {
                reply(channel: delivery.channel, state: "queued")
                Counter(label: "replyd_notifications_queued_total", dimensions: [("channel", delivery.channel)]).increment()
            }
        }
    }

    static func notificationSent(channel: String) {
        Counter(label: "replyd_notifications_sent_total", dimensions: [("channel", channel)]).increment()
    }

    /// `state`: queued, sent, deferred, failed or suppressed.
    static func reply(channel: String, state: String, count: Int = 1) {
        guard count > 0 else { return }
        Counter(label: "replyd_outbound_total", dimensions: [("channel", channel), ("state", state)]).increment(by: count)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
