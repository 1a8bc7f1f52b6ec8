import Foundation
import ReplydCore

/// An order-status notification request through the path: the fatigue decision, the request
/// recorded with its fate, one message per channel composed and queued, in the caller's transaction
/// (the shop hears 202 only after it commits).
enum NotificationFlow {
    static func run(_ request: NotificationRequest, setup: NotificationSetup, at now: Date, in tx: any ReplyTransaction) throws -> Outcome {
        let (decision, history) = try NotificationStep.decide(request, setup: setup, at: now, in: tx)
        let (status, reason, sendAt, channels): (String, String?, Date?, [NotificationChannel])
        switch decision.outcome {
        case .send(let chosen, let at): (status, reason, sendAt, channels) = ("scheduled", nil, at, chosen)
        case .held(let why): (status, reason, sendAt, channels) = ("held", why, nil, [])
        case .duplicate:
            return Outcome(inbound: .duplicateNotification(of: history.previousForEvent ?? 0),
                           verdicts: [Verdict(kind: .notification, recipient: request.orderID, decidedBy: request.event,
                                              answered: false, reason: "duplicate")])
        }
        let quiet = setup.rules.quietHours
        let entry = NotificationEntry(status: status, reason: reason, notes: decision.notes, requestedAt: now, sendAt: sendAt,
                                      quietHours: quiet?.description,
                                      timeZone: quiet.map { _ in NotificationPolicy.zone(for: request.customer, rules: setup.rules).identifier })
        let id = try tx.recordNotification(request, record: entry)
        let messages = try Composer.notifications(request, id: id, channels: channels, setup: setup, at: now, sendAt: sendAt, in: tx)
        let queued = try messages.map { QueuedMessage(id: try tx.enqueue($0), message: $0) }
        return Outcome(inbound: .notification(id: id),
                       verdicts: [Verdict(kind: .notification, recipient: request.orderID, decidedBy: request.event,
                                          answered: reason == nil, reason: reason, notes: decision.notes, outbound: queued.map(\.id))],
                       queued: queued)
    }
}
