import Foundation
import GRDB
import ReplydCore

/// How inbound mail is answered: the site's rules and what the edge supplies (fresh Message-IDs).
public struct ReplyEngineSettings: Sendable {
    public var site: SiteRules
    /// Envelope sender of replies: `<>` (default, RFC 3834 loop prevention) or the mailbox.
    public var useMailboxAsEnvelopeSender: Bool
    public var recipientDelimiter: Character?
    /// The configured recipients: a sender claiming a local address that they do not accept is
    /// forged. Nil (or catch-all) cannot tell.
    public var recipients: RecipientPolicy?
    public var listConfirmation: ListConfirmationRules
    public var makeMessageID: @Sendable () -> String

    public init(site: SiteRules, useMailboxAsEnvelopeSender: Bool = false, recipientDelimiter: Character? = "+",
                recipients: RecipientPolicy? = nil, listConfirmation: ListConfirmationRules = ListConfirmationRules(),
                makeMessageID: @escaping @Sendable () -> String) {
        self.site = site
        self.recipients = recipients
        self.listConfirmation = listConfirmation
        self.useMailboxAsEnvelopeSender = useMailboxAsEnvelopeSender
        self.recipientDelimiter = recipientDelimiter
        self.makeMessageID = makeMessageID
    }
}

/// One stored decision, as `replyd explain` and `replyd log` show it.
public struct DecisionRecord: Sendable, Equatable {
    public var recipient: String
    public var mailbox: String?
    public var replied: Bool
    public var reason: String?
    public var checks: [RuleCheck]
    public var outboundID: Int64?
    public var decidedAt: Date
}

/// Deciding and queueing, inside the transaction that stores the inbound message: the message, its
/// decision, the queued reply and the history row that blocks the next reply commit together or
/// not at all. The decision itself is the pure `VacationPolicy`; this is only its data access.
enum ReplyEngine {
    /// One decided recipient, for the metrics: `replied` or the reason it was not answered.
    struct Outcome: Sendable {
        var reason: String
        var queued: Bool
    }

    @discardableResult
    static func process(_ message: InboundMessage, id: Int64, engine: ReplyEngineSettings, db: Database) throws -> [Outcome] {
        var outcomes: [Outcome] = []
        var seen = Set<String>()
        for recipient in message.recipients {
            let key = recipient.lowercased()
            guard seen.insert(key).inserted else { continue }
            if let list = try mailList(for: key, delimiter: engine.recipientDelimiter, db: db) {
                let queued = try processListMail(message, id: id, list: list, recipient: key, engine: engine, db: db)
                outcomes.append(Outcome(reason: queued ? "replied" : "list", queued: queued))
                continue
            }
            let vacation = try vacation(for: key, delimiter: engine.recipientDelimiter, db: db)
            let facts = try facts(for: message, vacation: vacation, engine: engine, db: db)
            var decision = VacationPolicy.decide(message: message, recipient: key, vacation: vacation,
                                                 facts: facts, site: engine.site, now: message.receivedAt)
            var outboundID: Int64?
            if case .reply(let plan) = decision.outcome, let vacation {
                // The unique key decides, not the facts read above: another node may have answered
                // this sender a moment ago.
                if try claimHistory(plan, at: message.receivedAt, db: db) {
                    let reply = ReplyComposer.compose(plan: plan, vacation: vacation, message: message,
                                                      messageID: engine.makeMessageID(), date: message.receivedAt,
                                                      useMailboxAsEnvelopeSender: engine.useMailboxAsEnvelopeSender)
                    outboundID = try enqueue(reply, mailbox: vacation.mailbox, inbound: id, at: message.receivedAt, db: db)
                } else {
                    decision.checks.append(RuleCheck(rule: .alreadyReplied, passed: false,
                                                     detail: "another reply to this sender was recorded concurrently"))
                    decision.outcome = .suppress(.alreadyReplied)
                }
            }
            try insertDecision(decision, message: id, recipient: key, mailbox: vacation?.mailbox,
                               outbound: outboundID, at: message.receivedAt, db: db)
            outcomes.append(Outcome(reason: decision.reason?.rawValue ?? "replied", queued: outboundID != nil))
        }
        return outcomes
    }

    /// The address, then the address without its `+tag`.
    static func candidates(_ recipient: String, delimiter: Character?) -> [String] {
        var candidates = [recipient]
        if let delimiter, let at = recipient.lastIndex(of: "@"),
           let cut = recipient[..<at].firstIndex(of: delimiter), cut > recipient.startIndex {
            candidates.append(String(recipient[..<cut] + recipient[at...]))
        }
        return candidates
    }

    static func mailList(for recipient: String, delimiter: Character?, db: Database) throws -> MailList? {
        for candidate in candidates(recipient, delimiter: delimiter) {
            if let json = try String.fetchOne(db.cachedStatement(sql: "SELECT settings FROM mail_list WHERE address = ?"),
                                              arguments: [candidate]) {
                return try JSONDecoder().decode(MailList.self, from: Data(json.utf8))
            }
        }
        return nil
    }

    /// Mail to a list address: a keyword in the subject or first line subscribes, unsubscribes or
    /// asks for help; the change, the answer and the decision commit with the message.
    /// Returns whether an answer was queued.
    static func processListMail(_ message: InboundMessage, id: Int64, list: MailList, recipient: String,
                                engine: ReplyEngineSettings, db: Database) throws -> Bool {
        let sender = message.envelopeSender.lowercased()
        let status = try String.fetchOne(db, sql: "SELECT status FROM mail_subscription WHERE list = ? AND address = ?",
                                         arguments: [list.address, sender])
        let facts = SMSFacts(optedOut: status == "out", subscribed: status == "in")
        let pending = try Row.fetchOne(db.cachedStatement(sql: "SELECT token, requested_at FROM mail_confirmation WHERE list = ? AND address = ?"),
                                       arguments: [list.address, sender])
        let pendingCount = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM mail_confirmation WHERE list = ? AND requested_at > ?"),
                                            arguments: [list.address, message.receivedAt.addingTimeInterval(-engine.listConfirmation.validFor)]) ?? 0
        let confirmationFacts = ListConfirmationFacts(
            pendingToken: pending?["token"], pendingSince: pending?["requested_at"], pendingCount: pendingCount,
            presentedToken: MailListPolicy.presentedToken(recipient: recipient, subject: message.subject),
            newToken: String(format: "%016llx", UInt64.random(in: 0...UInt64.max)))
        var decision = MailListPolicy.decide(message: message, list: list, facts: facts, confirmation: confirmationFacts,
                                             rules: engine.listConfirmation, now: message.receivedAt)
        if decision.intent == .help && decision.reply != nil {
            // An envelope sender can be forged: one help text per address and list a day, so the
            // list cannot be used to mail someone over and over.
            let plan = ReplyPlan(recipient: sender, mailbox: list.address, internalSender: false, responseID: "list:help", days: 1)
            if try !claimHistory(plan, at: message.receivedAt, db: db) {
                decision.reply = nil
                decision.reason = "help-already-sent-today"
            }
        }
        if let change = decision.subscription {
            try db.execute(sql: """
                INSERT INTO mail_subscription (list, address, status, changed_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (list, address) DO UPDATE SET status = excluded.status,
                    changed_at = CASE WHEN status = excluded.status THEN changed_at ELSE excluded.changed_at END
                """, arguments: [list.address, sender, change == .optOut ? "out" : "in", message.receivedAt])
        }
        var confirmation: (address: String, token: String)?
        switch decision.confirmation {
        case .none:
            break
        case .request(let token):
            try db.execute(sql: """
                INSERT INTO mail_confirmation (list, address, token, requested_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (list, address) DO UPDATE SET token = excluded.token, requested_at = excluded.requested_at
                """, arguments: [list.address, sender, token, message.receivedAt])
            confirmation = (MailListPolicy.confirmationAddress(list: list, token: token, delimiter: engine.recipientDelimiter ?? "+"), token)
        case .confirmed, .declined:
            try db.execute(sql: "DELETE FROM mail_confirmation WHERE list = ? AND address = ?", arguments: [list.address, sender])
        }
        var outboundID: Int64?
        if let body = decision.reply {
            let reply = ReplyComposer.composeListAnswer(list: list, body: body, message: message, messageID: engine.makeMessageID(),
                                                        date: message.receivedAt,
                                                        useListAsEnvelopeSender: engine.useMailboxAsEnvelopeSender,
                                                        confirmation: confirmation)
            outboundID = try enqueue(reply, mailbox: list.address, inbound: id, at: message.receivedAt, db: db)
        }
        try insertDecision(message: id, recipient: recipient, mailbox: list.address,
                           reason: outboundID == nil ? "list: \(decision.reason ?? "no answer")" : nil, checks: [],
                           outbound: outboundID, at: message.receivedAt, db: db)
        return outboundID != nil
    }

    static func vacation(for recipient: String, delimiter: Character?, db: Database) throws -> Vacation? {
        for candidate in candidates(recipient, delimiter: delimiter) {
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT settings FROM vacation WHERE mailbox = ?
                UNION ALL
                SELECT v.settings FROM mailbox_alias a JOIN vacation v ON v.mailbox = a.mailbox WHERE a.alias = ?
                LIMIT 1
                """), arguments: [candidate, candidate])
            if let json: String = row?[0] {
                var vacation = try JSONDecoder().decode(Vacation.self, from: Data(json.utf8))
                // The mailbox's own aliases (admin API) count as its addresses too.
                let aliases = try String.fetchAll(db.cachedStatement(sql: "SELECT alias FROM mailbox_alias WHERE mailbox = ? ORDER BY alias"),
                                                  arguments: [vacation.mailbox])
                vacation.aliases += aliases.filter { !vacation.aliases.contains($0) }
                return vacation
            }
        }
        return nil
    }

    static func facts(for message: InboundMessage, vacation: Vacation?, engine: ReplyEngineSettings, db: Database) throws -> PolicyFacts {
        guard let vacation else { return PolicyFacts() }
        let sender = message.envelopeSender.lowercased()
        let unknownLocal = try isUnknownLocal(sender, engine: engine, db: db)
        let isContact = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM contact WHERE owner IN (?, '*') AND address = ?)
            """), arguments: [vacation.mailbox, sender]) ?? false
        let lastReply = try Date.fetchOne(db.cachedStatement(sql: """
            SELECT last_reply_at FROM reply_history WHERE mailbox = ? AND sender = ? AND response_id = ?
            """), arguments: [vacation.mailbox, sender, vacation.responseID])
        let recent = try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*) FROM outbound WHERE mailbox = ? AND created_at > ?
            """), arguments: [vacation.mailbox, message.receivedAt.addingTimeInterval(-3600)]) ?? 0
        return PolicyFacts(isContact: isContact, lastReplyAt: lastReply, repliesInLastHour: recent, senderIsUnknownLocal: unknownLocal)
    }

    /// A sender in a local domain that neither the configuration nor the stored mailboxes accept.
    static func isUnknownLocal(_ sender: String, engine: ReplyEngineSettings, db: Database) throws -> Bool {
        guard let recipients = engine.recipients, !recipients.catchAll,
              case .success(let address) = MailAddress.parse(Substring(sender)),
              recipients.verdict(for: address) == .unknownUser else { return false }
        for candidate in candidates(sender, delimiter: engine.recipientDelimiter) {
            let known = try Bool.fetchOne(db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM mailbox WHERE address = ?) OR EXISTS (SELECT 1 FROM mailbox_alias WHERE alias = ?)
                """), arguments: [candidate, candidate]) ?? false
            if known { return false }
        }
        return true
    }

    /// Records the reply in the history, unless a reply within the period is already there.
    /// Returns false when the key was taken (portable: ON CONFLICT ... DO UPDATE ... WHERE).
    static func claimHistory(_ plan: ReplyPlan, at now: Date, db: Database) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT INTO reply_history (mailbox, sender, response_id, last_reply_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (mailbox, sender, response_id) DO UPDATE SET last_reply_at = excluded.last_reply_at
            WHERE reply_history.last_reply_at <= ?
            """).execute(arguments: [plan.mailbox, plan.recipient, plan.responseID, now,
                             now.addingTimeInterval(-TimeInterval(plan.days) * 86_400)])
        return db.changesCount == 1
    }

    static func enqueue(_ reply: ReplyComposer.Reply, mailbox: String, inbound: Int64, at now: Date, db: Database) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO outbound (channel, inbound_message, mailbox, envelope_sender, recipient, subject, data,
                                  status, created_at, next_attempt_at)
            VALUES ('email', ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
            """).execute(arguments: [inbound, mailbox, reply.envelopeSender, reply.recipient, reply.subject,
                             Data(reply.data), now, now])
        return db.lastInsertedRowID
    }

    static func insertDecision(_ decision: Decision, message: Int64, recipient: String, mailbox: String?,
                               outbound: Int64?, at now: Date, db: Database) throws {
        try insertDecision(message: message, recipient: recipient, mailbox: mailbox, reason: decision.reason?.rawValue,
                           checks: decision.checks, outbound: outbound, at: now, db: db)
    }

    /// A decision row: no `reason` means it was answered.
    static func insertDecision(message: Int64, recipient: String, mailbox: String?, reason: String?, checks: [RuleCheck],
                               outbound: Int64?, at now: Date, db: Database) throws {
        let checks = String(decoding: try JSONEncoder().encode(checks), as: UTF8.self)
        try db.cachedStatement(sql: """
            INSERT INTO decision (message, recipient, mailbox, action, reason, checks, outbound, decided_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [message, recipient, mailbox, reason == nil ? "reply" : "suppress", reason, checks, outbound, now])
    }
}
