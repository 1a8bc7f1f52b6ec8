import Foundation
import ReplydCore

/// An inbound SMS through the whole path: record it (a retried webhook is recognised and answered
/// as before), route it to the lists at its number, decide on each, record the subscription
/// changes, and queue one answer: a bare STOP to a shared number leaves every list there with
/// one farewell.
enum SMSFlow {
    static func run(_ sms: InboundSMS, in tx: any ReplyTransaction) throws -> Outcome {
        guard let id = try tx.recordSMS(sms) else {
            guard let first = try tx.recordedSMS(provider: sms.provider, providerID: sms.providerID) else {
                throw MissingRecord(provider: sms.provider, providerID: sms.providerID)
            }
            return Outcome(inbound: .sms(id: first.id, duplicate: true),
                           verdicts: [Verdict(kind: .smsList, recipient: sms.sender, decidedBy: first.list, intent: first.intent,
                                              answered: first.answered, reason: first.reason)])
        }
        var outcome = Outcome(inbound: .sms(id: id, duplicate: false))
        guard let route = try Router.route(sms, in: tx), let firstList = route.lists.first else {
            // No list here (a number that only sends notifications, say).
            let intent = SMSKeywords.standard.intent(of: sms.text)
            outcome.subscriptionChanges += try SMSStep.numberChange(sms, intent: intent, in: tx).map { [$0] } ?? []
            let recorded = intent == .message ? nil : intent.rawValue
            try tx.recordSMSOutcome(id: id, list: sms.recipient, intent: recorded, answered: false, reason: "no-list", outbound: nil)
            outcome.verdicts = [Verdict(kind: .smsList, recipient: sms.sender, decidedBy: sms.recipient, intent: recorded,
                                        answered: false, reason: "no-list")]
            return outcome
        }
        if route.intent == .optOut && !route.lists.contains(where: { $0.key == sms.recipient }) {
            // Only prefixed lists here: the number itself is opted out too, so whatever else is sent
            // from it (notifications) honours the STOP.
            outcome.subscriptionChanges += try SMSStep.numberChange(sms, intent: .optOut, in: tx).map { [$0] } ?? []
        }
        var first: SMSDecision?
        var queued: QueuedMessage?
        for list in route.lists {
            let (decision, change) = try SMSStep.decide(sms, text: route.text, intent: route.intent, list: list, in: tx)
            outcome.subscriptionChanges += change.map { [$0] } ?? []
            first = first ?? decision
            guard queued == nil, let text = decision.reply else { continue }
            if decision.intent == .message {
                try tx.noteAutoreply(list: list.key, number: sms.sender, at: sms.receivedAt)
            }
            let answer = Composer.smsAnswer(list: list, intent: decision.intent, text: text, to: sms.sender, at: sms.receivedAt)
            queued = QueuedMessage(id: try tx.enqueue(answer), message: answer)
        }
        let intent = first?.intent.rawValue
        let reason = queued == nil ? first?.reason?.rawValue : nil
        try tx.recordSMSOutcome(id: id, list: firstList.key, intent: intent, answered: queued != nil, reason: reason, outbound: queued?.id)
        outcome.verdicts = [Verdict(kind: .smsList, recipient: sms.sender, decidedBy: firstList.key, intent: intent,
                                    answered: queued != nil, reason: reason, outbound: queued.map { [$0.id] } ?? [])]
        outcome.queued = queued.map { [$0] } ?? []
        return outcome
    }

    /// The store said the provider's id was recorded before but cannot find it.
    struct MissingRecord: Error, CustomStringConvertible {
        var provider: String
        var providerID: String
        var description: String { "SMS \(provider)/\(providerID) is recorded as a duplicate but cannot be read back" }
    }
}
