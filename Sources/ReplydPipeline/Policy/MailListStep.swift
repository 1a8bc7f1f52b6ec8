import Foundation
import ReplydCore

/// Mail to a list address: a keyword in the subject or first line subscribes (with double opt-in),
/// unsubscribes or asks for help. Reads the subscription and pending confirmation, decides with
/// the pure `MailListPolicy`, and makes the changes the decision calls for.
enum MailListStep {
    struct Result {
        var decision: MailListDecision
        var changes: [SubscriptionChange]
        /// A confirmation request: the address and token the sender answers to.
        var confirmation: (address: String, token: String)?
    }

    static func decide(_ message: InboundMessage, list: MailList, recipient: String, settings: ReplyEngineSettings,
                       in tx: any ReplyTransaction) throws -> Result {
        let sender = message.envelopeSender.lowercased()
        let now = message.receivedAt
        let status = try tx.mailSubscription(list: list.address, address: sender)
        let facts = SMSFacts(optedOut: status == .optedOut, subscribed: status == .subscribed)
        let pending = try tx.pendingConfirmation(list: list.address, address: sender)
        let confirmationFacts = ListConfirmationFacts(
            pendingToken: pending?.token, pendingSince: pending?.requestedAt,
            pendingCount: try tx.pendingConfirmations(list: list.address, since: now.addingTimeInterval(-settings.listConfirmation.validFor)),
            presentedToken: MailListPolicy.presentedToken(recipient: recipient, subject: message.subject),
            newToken: String(format: "%016llx", UInt64.random(in: 0...UInt64.max)))
        var decision = MailListPolicy.decide(message: message, list: list, facts: facts, confirmation: confirmationFacts,
                                             rules: settings.listConfirmation, now: now)
        // An envelope sender can be forged: one help text per address and list a day, so the list
        // cannot be used to mail someone over and over.
        if decision.intent == .help && decision.reply != nil,
           try !tx.claimReply(ReplyKey(mailbox: list.address, sender: sender, responseID: "list:help"), at: now, period: 86_400) {
            decision.reply = nil
            decision.reason = "help-already-sent-today"
        }
        var changes: [SubscriptionChange] = []
        if let change = decision.subscription, (change == .optOut ? .optedOut : .subscribed) != status {
            let change = SubscriptionChange(channel: .email, list: list.address, address: sender,
                                            status: change == .optOut ? .optedOut : .subscribed, at: now)
            try tx.setSubscription(change)
            changes.append(change)
        }
        var confirmation: (address: String, token: String)?
        switch decision.confirmation {
        case .none:
            break
        case .request(let token):
            try tx.setPendingConfirmation(list: list.address, address: sender, token: token, at: now)
            confirmation = (MailListPolicy.confirmationAddress(list: list, token: token, delimiter: settings.recipientDelimiter ?? "+"), token)
        case .confirmed, .declined:
            try tx.clearPendingConfirmation(list: list.address, address: sender)
        }
        return Result(decision: decision, changes: changes, confirmation: confirmation)
    }
}
