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

    /// `state`: queued, sent, deferred, failed or suppressed.
    static func reply(channel: String, state: String, count: Int = 1) {
        guard count > 0 else { return }
        Counter(label: "replyd_replies_total", dimensions: [("channel", channel), ("state", state)]).increment(by: count)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
