import Metrics
import ReplydCore

/// Replies handed on (e-mail or SMS), by what followed: sent, deferred for a retry, or failed.
enum DeliveryMetrics {
    static func finished(channel: OutboundChannel, next: RetrySchedule.Next) {
        let state = switch next {
        case .done: "sent"
        case .retry: "deferred"
        case .giveUp: "failed"
        }
        Counter(label: "replyd_outbound_total", dimensions: [("channel", channel.rawValue), ("state", state)]).increment()
    }
}
