import Foundation
import ReplydCore

/// An SMS's decision on one list: its subscription, the pure `SMSPolicy`, and the subscription
/// change it calls for.
enum SMSStep {
    static func decide(_ sms: InboundSMS, text: String, intent: SMSKeywords.Intent?, list: SMSList,
                       in tx: any ReplyTransaction) throws -> (SMSDecision, SubscriptionChange?) {
        let subscription = try tx.smsSubscription(list: list.key, number: sms.sender)
        let facts = SMSFacts(optedOut: subscription?.status == .optedOut, subscribed: subscription?.status == .subscribed,
                             lastAutoreplyAt: subscription?.lastAutoreplyAt)
        let decision = SMSPolicy.decide(text: text, list: list, facts: facts, now: sms.receivedAt, intent: intent)
        // A second STOP changes nothing (and keeps the time of the first, which the send gate needs).
        guard let change = decision.subscription, (change == .optOut ? .optedOut : .subscribed) != subscription?.status else {
            return (decision, nil)
        }
        let recorded = SubscriptionChange(channel: .sms, list: list.key, address: sms.sender,
                                          status: change == .optOut ? .optedOut : .subscribed, at: sms.receivedAt)
        try tx.setSubscription(recorded)
        return (decision, recorded)
    }

    /// A STOP or START to a number without a (matching) list is still recorded under the number,
    /// so whatever is sent from it later (notifications) honours it.
    static func numberChange(_ sms: InboundSMS, intent: SMSKeywords.Intent, in tx: any ReplyTransaction) throws -> SubscriptionChange? {
        guard intent == .optOut || intent == .optIn else { return nil }
        let status: SubscriptionStatus = intent == .optOut ? .optedOut : .subscribed
        guard try tx.smsSubscription(list: sms.recipient, number: sms.sender)?.status != status else { return nil }
        let change = SubscriptionChange(channel: .sms, list: sms.recipient, address: sms.sender, status: status, at: sms.receivedAt)
        try tx.setSubscription(change)
        return change
    }
}
