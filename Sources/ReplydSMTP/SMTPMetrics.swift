import Metrics
import ReplydCore

/// The SMTP listener's counters: connections, messages accepted, refusals by reason.
enum SMTPMetrics {
    static func connected() { Counter(label: "replyd_smtp_connections_total").increment() }

    static func refusedConnection(perAddress: Bool) {
        Counter(label: "replyd_smtp_connections_refused_total", dimensions: [("limit", perAddress ? "per-address" : "total")]).increment()
    }

    static func acceptFailed(descriptorsExhausted: Bool) {
        Counter(label: "replyd_accept_errors_total",
                dimensions: [("listener", "smtp"), ("reason", descriptorsExhausted ? "descriptors" : "other")]).increment()
    }

    static func accepted() { Counter(label: "replyd_smtp_messages_accepted_total").increment() }

    static func replied(_ reply: SMTPReply) {
        guard let reason = refusalReason(reply) else { return }
        Counter(label: "replyd_smtp_refusals_total", dimensions: [("reason", reason)]).increment()
    }

    /// What a 4xx/5xx reply refuses, from its enhanced status code (RFC 3463); nil for success.
    static func refusalReason(_ reply: SMTPReply) -> String? {
        guard reply.code >= 400 else { return nil }
        switch reply.enhanced {
        case "5.7.1": return "relay-denied"
        case "5.1.1": return "unknown-user"
        case "5.3.4": return "too-large"
        case "4.5.3": return "too-many-recipients"
        case "5.7.0": return "tls-required"
        case "4.3.0": return "commit-failed"
        case "4.4.2": return "timeout"
        case "4.7.0": return "connection-limit-or-errors"
        case "4.3.2": return "shutting-down"
        default: return reply.code >= 500 && reply.code < 510 ? "bad-command" : "other"
        }
    }
}
