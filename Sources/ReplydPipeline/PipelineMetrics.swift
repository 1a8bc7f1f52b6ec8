import Metrics

/// What the pipeline reports once a transaction has committed (never for rolled-back work or dry
/// runs): decisions by reason, SMS by intent, notifications by outcome, messages queued.
enum PipelineMetrics {
    static func recorded(_ outcome: Outcome) {
        switch outcome.inbound {
        case .mail:
            for verdict in outcome.verdicts {
                let reason = verdict.answered ? "replied" : (verdict.kind == .mailList ? "list" : verdict.reason ?? "replied")
                Counter(label: "replyd_decisions_total", dimensions: [("reason", reason)]).increment()
            }
        case .sms(_, let duplicate):
            guard !duplicate else { return }
            for verdict in outcome.verdicts {
                Counter(label: "replyd_sms_inbound_total", dimensions: [("intent", verdict.intent ?? "no-list")]).increment()
            }
        case .notification:
            for verdict in outcome.verdicts {
                Counter(label: "replyd_notifications_total",
                        dimensions: [("outcome", verdict.reason == nil ? "scheduled" : "held")]).increment()
                if let reason = verdict.reason {
                    Counter(label: "replyd_notifications_held_total", dimensions: [("reason", code(reason))]).increment()
                }
                for note in verdict.notes {
                    Counter(label: "replyd_notifications_adjusted_total", dimensions: [("reason", code(note))]).increment()
                }
            }
            for queued in outcome.queued {
                Counter(label: "replyd_notifications_queued_total", dimensions: [("channel", queued.message.channel.rawValue)]).increment()
            }
        case .duplicateNotification:
            Counter(label: "replyd_notifications_total", dimensions: [("outcome", "duplicate")]).increment()
        }
        for queued in outcome.queued {
            Counter(label: "replyd_outbound_total", dimensions: [("channel", queued.message.channel.rawValue), ("state", "queued")])
                .increment()
        }
    }

    /// The code before any detail: "order-limit: 4 already" counts as order-limit.
    static func code(_ text: String) -> String { text.split(separator: ":").first.map(String.init) ?? text }
}
