import Foundation
import Hummingbird
import Metrics
import Prometheus
import ReplydCore

/// `/metrics` in the Prometheus text format. Counters and the commit-latency histogram are fed by
/// swift-metrics where things happen; the queue gauges are read from the store at scrape time, so
/// they are right even for work done by another process.
struct MetricsEndpoint: Sendable {
    let registry: PrometheusCollectorRegistry
    let store: any AdminStore

    /// Installs Prometheus as the process's metrics backend. Once per process.
    static func bootstrap(store: any AdminStore) -> MetricsEndpoint {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Commits are fsyncs: milliseconds, not the default buckets' seconds.
        for backend in ["sqlite", "postgres"] {
            factory.durationHistogramBuckets["replyd_\(backend)_commit_seconds"] = [
                .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            ]
        }
        MetricsSystem.bootstrap(factory)
        return MetricsEndpoint(registry: registry, store: store)
    }

    static func gauge(_ name: String, _ help: String) -> MetricNameDescriptor {
        // The unit is part of each name already ("_seconds"); an empty one adds nothing.
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/metrics") { _, _ in
            let status = try await store.status(now: Date())
            for channel in ["email", "sms"] {
                registry.makeGauge(descriptor: Self.gauge("replyd_queue_depth", "Items waiting to be sent."), labels: [("channel", channel)]).set(Double(status.queued[channel] ?? 0))
            }
            registry.makeGauge(descriptor: Self.gauge("replyd_queue_failed", "Items that failed for good.")).set(Double(status.failed))
            registry.makeGauge(descriptor: Self.gauge("replyd_queue_oldest_age_seconds", "Age of the oldest item waiting."))
                .set(status.oldestQueuedAt.map { max(0, Date().timeIntervalSince($0)) } ?? 0)
            registry.makeGauge(descriptor: Self.gauge("replyd_vacations_active", "Vacation replies switched on now.")).set(Double(status.activeVacations))
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
