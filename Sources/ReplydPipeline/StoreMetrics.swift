import Metrics

/// What the store reports to the metrics system (Prometheus at `/metrics` when `serve` bootstraps
/// it; a no-op otherwise). Recorded after the transaction commits, never for rolled-back work.
public enum StoreMetrics {
    /// `backend`: sqlite or postgres (`replyd_sqlite_commit_seconds`, `replyd_postgres_commit_seconds`).
    public static func committed(backend: String, duration: Duration) {
        Timer(label: "replyd_\(backend)_commit_seconds").recordNanoseconds(duration.nanoseconds)
    }

    public static func notificationSent(channel: String) {
        Counter(label: "replyd_notifications_sent_total", dimensions: [("channel", channel)]).increment()
    }

    /// `state`: queued, sent, deferred, failed or suppressed.
    public static func reply(channel: String, state: String, count: Int = 1) {
        guard count > 0 else { return }
        Counter(label: "replyd_outbound_total", dimensions: [("channel", channel), ("state", state)]).increment(by: count)
    }
}

extension Duration {
    public var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
