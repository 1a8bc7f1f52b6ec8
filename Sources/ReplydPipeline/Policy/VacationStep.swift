import Foundation
import ReplydCore

/// The out-of-office decision for one recipient: the facts it needs, the pure `VacationPolicy`,
/// then the once-per-period key, which decides in the end (another node may have answered a
/// moment ago).
enum VacationStep {
    static func decide(_ message: InboundMessage, recipient: String, vacation: Vacation?, settings: ReplyEngineSettings,
                       in tx: any ReplyTransaction) throws -> Decision {
        let facts = try self.facts(message, vacation: vacation, settings: settings, in: tx)
        var decision = VacationPolicy.decide(message: message, recipient: recipient, vacation: vacation, facts: facts,
                                             site: settings.site, now: message.receivedAt)
        if case .reply(var plan) = decision.outcome, let vacation {
            // The address the sender used: the envelope recipient's forms, then (an MTA before us may
            // have expanded an alias) the person's own addresses in To, Cc, Bcc and Resent-*.
            let written = VacationPolicy.addressHeaders.flatMap { message.headers.values($0) }.flatMap(AddressList.addresses)
            plan.from = vacation.replyFrom(addressed: Router.addresses(recipient, delimiter: settings.recipientDelimiter) + written)
            decision.outcome = .reply(plan)
        }
        if case .reply(let plan) = decision.outcome,
           try !tx.claimReply(ReplyKey(mailbox: plan.mailbox, sender: plan.recipient.lowercased(), responseID: plan.responseID),
                              at: message.receivedAt, period: TimeInterval(plan.days) * 86_400) {
            decision.checks.append(RuleCheck(rule: .alreadyReplied, passed: false,
                                             detail: "another reply to this sender was recorded concurrently"))
            decision.outcome = .suppress(.alreadyReplied)
        }
        return decision
    }

    static func facts(_ message: InboundMessage, vacation: Vacation?, settings: ReplyEngineSettings,
                      in tx: any ReplyTransaction) throws -> PolicyFacts {
        guard let vacation else { return PolicyFacts() }
        let sender = message.envelopeSender.lowercased()
        return PolicyFacts(
            isContact: try tx.isContact(owner: vacation.mailbox, address: sender),
            lastReplyAt: try tx.lastReply(ReplyKey(mailbox: vacation.mailbox, sender: sender, responseID: vacation.responseID)),
            repliesInLastHour: try tx.vacationReplies(mailbox: vacation.mailbox, since: message.receivedAt.addingTimeInterval(-3600)),
            senderIsUnknownLocal: try isUnknownLocal(sender, settings: settings, in: tx))
    }

    /// A sender in a local domain that neither the configuration nor the stored mailboxes accept.
    static func isUnknownLocal(_ sender: String, settings: ReplyEngineSettings, in tx: any ReplyTransaction) throws -> Bool {
        guard let recipients = settings.recipients, !recipients.catchAll,
              case .success(let address) = MailAddress.parse(Substring(sender)),
              recipients.verdict(for: address) == .unknownUser else { return false }
        for candidate in Router.addresses(sender, delimiter: settings.recipientDelimiter) {
            if try tx.isStoredLocalAddress(candidate) { return false }
        }
        return true
    }
}
