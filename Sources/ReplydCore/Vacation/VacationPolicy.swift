import Foundation

/// Why a message was not answered. The raw values are stable: they are stored, shown by
/// `replyd explain`, and counted in metrics.
public enum SuppressionReason: String, Sendable, Codable, CaseIterable {
    case noVacation = "no-vacation"
    case outsideSchedule = "outside-schedule"
    case nullSender = "null-sender"
    case unroutableSender = "unroutable-sender"
    case ownAddress = "own-address"
    case automatedSender = "automated-sender"
    case autoSubmitted = "auto-submitted"
    case listMail = "list-mail"
    case precedenceBulk = "precedence-bulk"
    case autoResponseSuppressed = "auto-response-suppressed"
    case notExplicitlyAddressed = "not-explicitly-addressed"
    case notAContact = "not-a-contact"
    case otherDomain = "other-domain"
    case alreadyReplied = "already-replied-within-period"
    case rateLimited = "rate-limited"
    /// `[replies] require_spf`: the sender's domain does not let this client send for it.
    case spf = "spf-not-allowed"
}

/// What the store knows that the decision needs; looked up by index before deciding.
public struct PolicyFacts: Sendable, Equatable {
    /// The sender is in the mailbox's contacts or the organisation-wide ones.
    public var isContact: Bool
    /// When this mailbox last answered this sender with this response.
    public var lastReplyAt: Date?
    /// Replies this mailbox queued in the last hour.
    public var repliesInLastHour: Int
    /// The sender claims an address in a local domain that has no such mailbox: forged.
    public var senderIsUnknownLocal: Bool

    public init(isContact: Bool = false, lastReplyAt: Date? = nil, repliesInLastHour: Int = 0, senderIsUnknownLocal: Bool = false) {
        self.isContact = isContact
        self.lastReplyAt = lastReplyAt
        self.repliesInLastHour = repliesInLastHour
        self.senderIsUnknownLocal = senderIsUnknownLocal
    }
}

/// Site-wide rules set by the operator.
public struct SiteRules: Sendable, Equatable {
    /// Domains of the organisation: their senders are "internal" (same-domain restriction, internal text).
    public var organisationDomains: Set<String>
    public var maxDays: Int
    public var maxRepliesPerHour: Int
    /// Which SPF results of a sender may be answered (backscatter).
    public var requireSPF: SPFRequirement

    public init(organisationDomains: Set<String>, maxDays: Int = 30, maxRepliesPerHour: Int = 100, requireSPF: SPFRequirement = .off) {
        self.organisationDomains = Set(organisationDomains.map { $0.lowercased() })
        self.requireSPF = requireSPF
        self.maxDays = maxDays
        self.maxRepliesPerHour = maxRepliesPerHour
    }
}

/// One rule as `replyd explain` shows it.
public struct RuleCheck: Sendable, Equatable, Codable {
    public var rule: SuppressionReason
    public var passed: Bool
    public var detail: String

    public init(rule: SuppressionReason, passed: Bool, detail: String) {
        self.rule = rule
        self.passed = passed
        self.detail = detail
    }
}

public struct ReplyPlan: Sendable, Equatable {
    /// The envelope sender of the inbound message: replies go there and nowhere else.
    public var recipient: String
    public var mailbox: String
    /// The sender is inside the organisation (selects `internalMessage`).
    public var internalSender: Bool
    public var responseID: String
    /// The effective period, after the site's bounds.
    public var days: Int
    /// The reply's From (the mailbox or an alias); nil: the mailbox.
    public var from: String?

    public init(recipient: String, mailbox: String, internalSender: Bool, responseID: String, days: Int) {
        self.recipient = recipient
        self.mailbox = mailbox
        self.internalSender = internalSender
        self.responseID = responseID
        self.days = days
    }
}

public struct Decision: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case reply(ReplyPlan)
        case suppress(SuppressionReason)
    }

    public var outcome: Outcome
    /// Every rule, in order, whether it passed. The first failed one is the outcome's reason.
    public var checks: [RuleCheck]

    public var reason: SuppressionReason? {
        if case .suppress(let reason) = outcome { return reason }
        return nil
    }
}

/// The out-of-office decision: a pure function of the message, the settings, the facts and a clock.
/// Rules follow RFC 3834, RFC 5230 (Sieve vacation) and what Dovecot Pigeonhole does.
public enum VacationPolicy {
    public static let addressHeaders = ["To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"]
    static let listHeaders = ["List-Id", "List-Help", "List-Subscribe", "List-Unsubscribe", "List-Post",
                              "List-Owner", "List-Archive"]

    public static func decide(message: InboundMessage, recipient: String, vacation: Vacation?,
                              facts: PolicyFacts, site: SiteRules, now: Date) -> Decision {
        var checks: [RuleCheck] = []
        func check(_ rule: SuppressionReason, _ passed: Bool, _ detail: String) {
            checks.append(RuleCheck(rule: rule, passed: passed, detail: detail))
        }

        let sender = message.envelopeSender.lowercased()
        let headers = message.headers

        guard let vacation else {
            check(.noVacation, false, "\(recipient) has no vacation reply set")
            return Decision(outcome: .suppress(.noVacation), checks: checks)
        }
        check(.noVacation, true, "vacation reply set for \(vacation.mailbox)")

        let started = now >= vacation.start
        let ended = vacation.end.map { now >= $0 } ?? false
        check(.outsideSchedule, started && !ended,
              !started ? "starts \(iso(vacation.start))" : ended ? "ended \(iso(vacation.end!))"
                  : "active since \(iso(vacation.start))" + (vacation.end.map { " until \(iso($0))" } ?? ", no end"))

        check(.nullSender, !sender.isEmpty, sender.isEmpty ? "envelope sender is <> (a bounce or an automatic message)" : "envelope sender <\(sender)>")

        let unroutable = sender.isEmpty ? nil : (UnroutableSenders.reason(for: sender)
            ?? (facts.senderIsUnknownLocal ? "\(sender) is in a local domain but no such mailbox exists (forged)" : nil))
        check(.unroutableSender, unroutable == nil, unroutable ?? "sender's domain can receive mail")

        if site.requireSPF != .off && !sender.isEmpty {
            let refusal = site.requireSPF.refusal(message.spf)
            check(.spf, refusal == nil, refusal ?? message.spf.map { "SPF \($0.code.rawValue) for \($0.domain): \($0.detail)" } ?? "SPF not checked")
        }

        let own = vacation.ownAddresses.union([recipient.lowercased()])
        check(.ownAddress, !own.contains(sender), own.contains(sender) ? "\(sender) is the mailbox's own address" : "not the mailbox's own address")

        let automated = sender.isEmpty ? nil : AutomatedSenders.reason(for: sender)
        check(.automatedSender, automated == nil, automated ?? "sender looks like a person")

        let autoSubmitted = headers.values("Auto-Submitted").map { stripComment($0).lowercased() }
        let automatic = autoSubmitted.first { $0 != "no" }
        check(.autoSubmitted, automatic == nil,
              automatic.map { "Auto-Submitted: \($0)" } ?? (autoSubmitted.isEmpty ? "no Auto-Submitted header" : "Auto-Submitted: no"))

        let listHeader = listHeaders.first { headers.first($0) != nil }
        check(.listMail, listHeader == nil, listHeader.map { "has a \($0) header" } ?? "no List-* header")

        let precedence = headers.values("Precedence").map { stripComment($0).lowercased() }
        let bulk = precedence.first { ["bulk", "list", "junk"].contains($0) }
        check(.precedenceBulk, bulk == nil, bulk.map { "Precedence: \($0)" } ?? "no bulk Precedence")

        // Microsoft's header: OOF or All asks auto-responders to stay silent.
        let suppress = headers.values("X-Auto-Response-Suppress")
            .flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }
        let suppressed = suppress.contains("oof") || suppress.contains("all")
        check(.autoResponseSuppressed, !suppressed, suppressed ? "X-Auto-Response-Suppress asks for silence" : "no X-Auto-Response-Suppress")

        let addressed = addressHeaders.flatMap { headers.values($0) }.flatMap(AddressList.addresses(in:))
        let explicit = addressed.first { own.contains($0) }
        check(.notExplicitlyAddressed, explicit != nil,
              explicit.map { "\($0) is in the message's recipients" } ?? "none of \(own.sorted().joined(separator: ", ")) is in To/Cc/Bcc/Resent-*")

        if vacation.contactsOnly {
            check(.notAContact, facts.isContact, facts.isContact ? "\(sender) is a contact" : "\(sender) is not a contact")
        }
        let senderDomain = sender.lastIndex(of: "@").map { String(sender[sender.index(after: $0)...]) } ?? ""
        let internalSender = site.organisationDomains.contains(senderDomain) || senderDomain == vacation.mailboxDomain
        if vacation.sameDomainOnly {
            check(.otherDomain, internalSender, internalSender ? "\(senderDomain) is the organisation's" : "\(senderDomain) is outside the organisation")
        }

        let days = min(max(vacation.days, 1), max(site.maxDays, 1))
        if let last = facts.lastReplyAt {
            let next = last.addingTimeInterval(TimeInterval(days) * 86_400)
            check(.alreadyReplied, now >= next, now >= next ? "last reply \(iso(last)), period of \(days) days over" : "replied \(iso(last)); next reply possible \(iso(next))")
        } else {
            check(.alreadyReplied, true, "no reply to this sender with this text yet")
        }

        let limited = facts.repliesInLastHour >= site.maxRepliesPerHour
        check(.rateLimited, !limited, "\(facts.repliesInLastHour) replies in the last hour (limit \(site.maxRepliesPerHour))")

        if let failed = checks.first(where: { !$0.passed }) {
            return Decision(outcome: .suppress(failed.rule), checks: checks)
        }
        // The reply goes to the sender exactly as given: a local part's case is the sender's to keep
        // (RFC 5321 2.4; case-sensitive return paths such as VERP or SRS depend on it).
        let plan = ReplyPlan(recipient: message.envelopeSender, mailbox: vacation.mailbox, internalSender: internalSender,
                             responseID: vacation.responseID, days: days)
        return Decision(outcome: .reply(plan), checks: checks)
    }

    /// `auto-replied (by x)` -> `auto-replied`: a header may carry comments after the keyword.
    static func stripComment(_ value: String) -> String {
        let cut = value.firstIndex { $0 == "(" || $0 == ";" } ?? value.endIndex
        return value[..<cut].trimmingCharacters(in: .whitespaces)
    }

    /// `2026-12-06T16:06:20Z`, as `Date.ISO8601FormatStyle()` writes it, for the checks' details:
    /// several per decision, where building the format style each time was a visible cost.
    static func iso(_ date: Date) -> String {
        UTCDateParts(date).iso8601
    }
}
