import Foundation
import ReplydCore

/// An order-status notification's decision: what was sent for the order and to the customer
/// before, the SMS opt-out of the sending number, and the pure `NotificationPolicy`.
enum NotificationStep {
    static func decide(_ request: NotificationRequest, setup: NotificationSetup, at now: Date,
                       in tx: any ReplyTransaction) throws -> (NotificationDecision, NotificationHistory) {
        let history = try tx.notificationHistory(order: request.orderID, event: request.event,
                                                 email: request.customer.email, phone: request.customer.phone)
        var optedOut = false
        if let from = setup.smsFrom, let phone = request.customer.phone {
            optedOut = try tx.smsSubscription(list: from, number: phone)?.status == .optedOut
        }
        let facts = NotificationFacts(sentForOrder: history.scheduledForOrder, eventAlreadySent: history.previousForEvent != nil,
                                      lastToCustomer: history.lastToCustomer, smsOptedOut: optedOut)
        return (NotificationPolicy.decide(request, facts: facts, rules: setup.rules, now: now), history)
    }
}
