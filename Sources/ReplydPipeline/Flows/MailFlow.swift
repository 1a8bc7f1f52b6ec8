import Foundation
import ReplydCore

/// Inbound mail through the whole path: record the message, then for each distinct recipient route
/// (mail list or mailbox), decide, compose, queue and record the decision: all in the caller's
/// transaction, so the message, its decisions, their history keys and the replies commit together.
enum MailFlow {
    /// - Parameter vacationOverride: settings not saved yet that stand in for the stored vacation of
    ///   their mailbox (the API's preview).
    static func run(_ message: InboundMessage, settings: ReplyEngineSettings?, vacationOverride: Vacation? = nil,
                    in tx: any ReplyTransaction) throws -> Outcome {
        let id = try tx.recordMail(message)
        var outcome = Outcome(inbound: .mail(id: id))
        guard let settings else { return outcome }
        var seen = Set<String>()
        for recipient in message.recipients {
            let key = recipient.lowercased()
            guard seen.insert(key).inserted else { continue }
            let route: Router.MailRoute
            if let vacationOverride, vacationOverride.mailbox == key || vacationOverride.aliases.contains(key) {
                route = .mailbox(vacationOverride)
            } else {
                route = try Router.route(mailTo: key, delimiter: settings.recipientDelimiter, in: tx)
            }
            switch route {
            case .mailList(let list):
                try answerList(message, id: id, list: list, recipient: key, settings: settings, into: &outcome, in: tx)
            case .mailbox(let vacation):
                try answerVacation(message, id: id, vacation: vacation, recipient: key, settings: settings, into: &outcome, in: tx)
            }
        }
        return outcome
    }

    static func answerVacation(_ message: InboundMessage, id: Int64, vacation: Vacation?, recipient: String,
                               settings: ReplyEngineSettings, into outcome: inout Outcome, in tx: any ReplyTransaction) throws {
        let decision = try VacationStep.decide(message, recipient: recipient, vacation: vacation, settings: settings, in: tx)
        var queued: QueuedMessage?
        if case .reply(let plan) = decision.outcome, let vacation {
            let reply = Composer.vacationReply(plan: plan, vacation: vacation, answering: message, inbound: id, settings: settings)
            queued = QueuedMessage(id: try tx.enqueue(reply), message: reply)
        }
        let reason = decision.reason?.rawValue
        try tx.recordDecision(RecordedDecision(recipient: recipient, mailbox: vacation?.mailbox, reason: reason,
                                               checks: decision.checks, at: message.receivedAt),
                              message: id, outbound: queued?.id)
        outcome.verdicts.append(Verdict(kind: .vacation, recipient: recipient, decidedBy: vacation?.mailbox, answered: queued != nil,
                                        reason: reason, checks: decision.checks, outbound: queued.map { [$0.id] } ?? []))
        outcome.queued += queued.map { [$0] } ?? []
    }

    static func answerList(_ message: InboundMessage, id: Int64, list: MailList, recipient: String,
                           settings: ReplyEngineSettings, into outcome: inout Outcome, in tx: any ReplyTransaction) throws {
        let result = try MailListStep.decide(message, list: list, recipient: recipient, settings: settings, in: tx)
        var queued: QueuedMessage?
        if let text = result.decision.reply {
            let answer = Composer.listAnswer(list: list, text: text, intent: result.decision.intent, answering: message, inbound: id,
                                             confirmation: result.confirmation, settings: settings)
            queued = QueuedMessage(id: try tx.enqueue(answer), message: answer)
        }
        let reason = queued == nil ? "list: \(result.decision.reason ?? "no answer")" : nil
        try tx.recordDecision(RecordedDecision(recipient: recipient, mailbox: list.address, reason: reason, checks: [],
                                               at: message.receivedAt),
                              message: id, outbound: queued?.id)
        outcome.verdicts.append(Verdict(kind: .mailList, recipient: recipient, decidedBy: list.address,
                                        intent: result.decision.intent?.rawValue, answered: queued != nil, reason: reason,
                                        outbound: queued.map { [$0.id] } ?? []))
        outcome.subscriptionChanges += result.changes
        outcome.queued += queued.map { [$0] } ?? []
    }
}
