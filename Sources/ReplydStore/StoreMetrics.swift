import Metrics

/// What the store reports to the metrics system (Prometheus at `/metrics` when `serve` bootstraps
/// it; a no-op otherwise). Recorded after the transaction commits, never for rolled-back work.
enum StoreMetrics {
    static func committed(duration: Duration) {
        Timer(label: "replyd_sqlite_commit_seconds").recordNanoseconds(duration.nanoseconds)
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
