import Foundation
import ReplydTesting
import Testing
@testable import ReplydCore

/// Builds inbound messages and runs the policy with sensible defaults, so each test states only
/// what it is about.
struct PolicyCase {
    var sender = "ewa@klient.pl"
    var recipient = "jan@firma.pl"
    var headers = "From: Ewa <ewa@klient.pl>\r\nTo: jan@firma.pl\r\nSubject: Faktura\r\nMessage-ID: <m1@klient.pl>\r\n"
    var vacation: Vacation? = Vacation(mailbox: "jan@firma.pl", aliases: ["j.kowalski@firma.pl"],
                                       start: Date(timeIntervalSince1970: 1_000_000), message: "Away")
    var facts = PolicyFacts()
    var site = SiteRules(organisationDomains: ["firma.pl", "firma.com.pl"], maxDays: 30, maxRepliesPerHour: 10)
    var now = Date(timeIntervalSince1970: 2_000_000)

    var message: InboundMessage {
        TestMessages.inbound(from: sender, to: [recipient], headers: headers, bare: true, at: now)
    }

    var decision: Decision {
        VacationPolicy.decide(message: message, recipient: recipient, vacation: vacation, facts: facts, site: site, now: now)
    }

    var reason: SuppressionReason? { decision.reason }
}

@Suite struct VacationPolicyTests {
    @Test func plainMessageGetsAReply() throws {
        let decision = PolicyCase().decision
        guard case .reply(let plan) = decision.outcome else {
            Issue.record("expected a reply, got \(decision)")
            return
        }
        #expect(plan.recipient == "ewa@klient.pl")
        #expect(plan.mailbox == "jan@firma.pl")
        #expect(plan.days == 7)
        #expect(!plan.internalSender)
        #expect(decision.checks.allSatisfy { $0.passed })
    }

    /// One row per suppression reason: the change to the default case that must trigger it.
    static let suppressions: [(String, SuppressionReason, @Sendable (inout PolicyCase) -> Void)] = [
        ("no vacation", .noVacation, { $0.vacation = nil }),
        ("not started", .outsideSchedule, { $0.vacation!.start = $0.now.addingTimeInterval(1) }),
        ("ended", .outsideSchedule, { $0.vacation!.end = $0.now }),
        ("null sender", .nullSender, { $0.sender = "" }),
        ("own address", .ownAddress, { $0.sender = "jan@firma.pl" }),
        ("own alias", .ownAddress, { $0.sender = "J.Kowalski@firma.pl" }),
        ("mailer-daemon", .automatedSender, { $0.sender = "MAILER-DAEMON@klient.pl" }),
        ("listserv", .automatedSender, { $0.sender = "listserv@klient.pl" }),
        ("majordomo", .automatedSender, { $0.sender = "majordomo@klient.pl" }),
        ("owner-", .automatedSender, { $0.sender = "owner-dev@lists.klient.pl" }),
        ("-request", .automatedSender, { $0.sender = "dev-request@lists.klient.pl" }),
        ("noreply", .automatedSender, { $0.sender = "noreply@shop.pl" }),
        ("no-reply+tag", .automatedSender, { $0.sender = "no-reply+x@shop.pl" }),
        ("donotreply", .automatedSender, { $0.sender = "DoNotReply@bank.pl" }),
        ("auto-submitted", .autoSubmitted, { $0.headers += "Auto-Submitted: auto-replied\r\n" }),
        ("auto-submitted generated", .autoSubmitted, { $0.headers += "Auto-Submitted: Auto-Generated (cron)\r\n" }),
        ("auto-submitted second instance", .autoSubmitted, { $0.headers += "Auto-Submitted: no\r\nAuto-Submitted: auto-notified\r\n" }),
        ("list-id", .listMail, { $0.headers += "List-Id: <dev.klient.pl>\r\n" }),
        ("list-unsubscribe", .listMail, { $0.headers += "list-unsubscribe: <mailto:u@klient.pl>\r\n" }),
        ("list-post", .listMail, { $0.headers += "List-Post: NO\r\n" }),
        ("precedence bulk", .precedenceBulk, { $0.headers += "Precedence: bulk\r\n" }),
        ("precedence list", .precedenceBulk, { $0.headers += "Precedence: LIST\r\n" }),
        ("precedence junk", .precedenceBulk, { $0.headers += "Precedence: junk\r\n" }),
        ("x-auto-response-suppress oof", .autoResponseSuppressed, { $0.headers += "X-Auto-Response-Suppress: DR, OOF\r\n" }),
        ("x-auto-response-suppress all", .autoResponseSuppressed, { $0.headers += "X-Auto-Response-Suppress: All\r\n" }),
        ("bcc'd", .notExplicitlyAddressed, { $0.headers = "From: ewa@klient.pl\r\nTo: someone@firma.pl\r\n" }),
        ("no to at all", .notExplicitlyAddressed, { $0.headers = "Subject: x\r\n" }),
        ("not a contact", .notAContact, { $0.vacation!.contactsOnly = true }),
        ("other domain", .otherDomain, { $0.vacation!.sameDomainOnly = true }),
        ("replied recently", .alreadyReplied, { $0.facts.lastReplyAt = $0.now.addingTimeInterval(-86_400) }),
        ("rate limited", .rateLimited, { $0.facts.repliesInLastHour = 10 }),
    ]

    @Test(arguments: suppressions.indices)
    func eachSuppressionReason(_ index: Int) {
        let (name, reason, change) = Self.suppressions[index]
        var policyCase = PolicyCase()
        change(&policyCase)
        #expect(policyCase.reason == reason, "\(name)")
        // The failed rule is the first failed check, and explain has a line for it.
        #expect(policyCase.decision.checks.first { !$0.passed }?.rule == reason, "\(name)")
    }

    /// The other side of each restriction: the same setting lets the right sender through.
    static let passes: [(String, @Sendable (inout PolicyCase) -> Void)] = [
        ("postmaster is a person", { $0.sender = "postmaster@klient.pl" }),
        ("noreply as the recipient does not matter", { $0.recipient = "jan@firma.pl"; $0.headers += "Cc: noreply@firma.pl\r\n" }),
        ("auto-submitted no", { $0.headers += "Auto-Submitted: no\r\n" }),
        ("precedence first-class", { $0.headers += "Precedence: first-class\r\n" }),
        ("contact", { $0.vacation!.contactsOnly = true; $0.facts.isContact = true }),
        ("same domain", { $0.vacation!.sameDomainOnly = true; $0.sender = "ola@firma.pl"; $0.headers = "To: jan@firma.pl\r\n" }),
        ("organisation's other domain", { $0.vacation!.sameDomainOnly = true; $0.sender = "ola@firma.com.pl" }),
        ("addressed by alias", { $0.headers = "To: \"Jan K\" <J.Kowalski@Firma.pl>\r\n" }),
        ("addressed in Cc", { $0.headers = "To: x@firma.pl\r\nCc: a@b.pl, jan@firma.pl (Jan)\r\n" }),
        ("addressed in Resent-To", { $0.headers = "Resent-To: jan@firma.pl\r\n" }),
        ("addressed as envelope sub-address", { $0.recipient = "jan+faktury@firma.pl"; $0.headers = "To: jan+faktury@firma.pl\r\n" }),
        ("period over", { $0.facts.lastReplyAt = $0.now.addingTimeInterval(-7 * 86_400) }),
        ("just started", { $0.vacation!.start = $0.now }),
        ("ends later", { $0.vacation!.end = $0.now.addingTimeInterval(1) }),
        ("under the rate limit", { $0.facts.repliesInLastHour = 9 }),
    ]

    @Test(arguments: passes.indices)
    func restrictionsLetTheRightSendersThrough(_ index: Int) {
        let (name, change) = Self.passes[index]
        var policyCase = PolicyCase()
        change(&policyCase)
        #expect(policyCase.reason == nil, "\(name): \(policyCase.decision.checks.filter { !$0.passed })")
    }

    @Test func daysWindowEdge() {
        var policyCase = PolicyCase()
        policyCase.vacation!.days = 3
        policyCase.facts.lastReplyAt = policyCase.now.addingTimeInterval(-3 * 86_400 + 1)
        #expect(policyCase.reason == .alreadyReplied)
        policyCase.facts.lastReplyAt = policyCase.now.addingTimeInterval(-3 * 86_400)
        #expect(policyCase.reason == nil)
    }

    @Test func daysAreBoundedBySite() {
        var policyCase = PolicyCase()
        policyCase.vacation!.days = 0
        guard case .reply(let low) = policyCase.decision.outcome else { Issue.record("no reply"); return }
        #expect(low.days == 1)
        policyCase.vacation!.days = 400
        guard case .reply(let high) = policyCase.decision.outcome else { Issue.record("no reply"); return }
        #expect(high.days == 30)
    }

    @Test func scheduleEdgesInWarsawAcrossDST() throws {
        // 2026-10-25 03:00 CEST becomes 02:00 CET. The end is a wall-clock time in Warsaw.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Europe/Warsaw"))
        let start = try #require(calendar.date(from: DateComponents(year: 2026, month: 10, day: 20, hour: 9)))
        let end = try #require(calendar.date(from: DateComponents(year: 2026, month: 10, day: 30, hour: 17)))
        #expect(end.timeIntervalSince1970 == 1_793_376_000)  // 16:00 UTC: CET, after the change
        var policyCase = PolicyCase()
        policyCase.vacation!.start = start
        policyCase.vacation!.end = end
        policyCase.vacation!.timeZone = "Europe/Warsaw"
        policyCase.now = end.addingTimeInterval(-1)
        #expect(policyCase.reason == nil)
        policyCase.now = end
        #expect(policyCase.reason == .outsideSchedule)
        policyCase.now = start.addingTimeInterval(-1)
        #expect(policyCase.reason == .outsideSchedule)
        policyCase.now = start
        #expect(policyCase.reason == nil)
    }

    @Test func internalSendersAreMarked() {
        var policyCase = PolicyCase()
        policyCase.sender = "ola@firma.com.pl"
        guard case .reply(let plan) = policyCase.decision.outcome else { Issue.record("no reply"); return }
        #expect(plan.internalSender)
    }

    @Test func responseIDChangesWithTheText() {
        let a = Vacation(mailbox: "a@b.pl", start: .now, message: "one")
        var b = a
        #expect(a.responseID == b.responseID)
        b.message = "two"
        #expect(a.responseID != b.responseID)
        b = a
        b.end = .now  // dates are not the text
        #expect(a.responseID == b.responseID)
    }

    /// Property: whatever other headers a message carries, an automatic or list message is never answered.
    @Test func randomHeaderSetsNeverAnswerAutomaticMail() {
        var generator = SplitMix64(seed: 0x5EED)
        let neutral = ["Subject: s", "Reply-To: r@x.pl", "X-Mailer: m", "Cc: c@x.pl", "Importance: high",
                       "Auto-Submitted: no", "Precedence: normal", "Content-Type: text/plain"]
        let automatic = ["Auto-Submitted: auto-replied", "AUTO-SUBMITTED: Auto-Generated", "Auto-Submitted: auto-notified; x",
                         "List-Id: <a.b>", "List-Help: <mailto:h@x>", "List-Subscribe: <x>", "List-Unsubscribe: <x>",
                         "List-Post: <x>", "List-Owner: <x>", "List-Archive: <x>", "Precedence: bulk", "precedence: Junk",
                         "Precedence: list", "X-Auto-Response-Suppress: OOF", "X-Auto-Response-Suppress: All"]
        for _ in 0..<2000 {
            var lines = (0..<Int(generator.next() % 6)).map { _ in neutral[Int(generator.next() % UInt64(neutral.count))] }
            let marker = automatic[Int(generator.next() % UInt64(automatic.count))]
            lines.insert(marker, at: Int(generator.next() % UInt64(lines.count + 1)))
            var policyCase = PolicyCase()
            policyCase.headers = "To: jan@firma.pl\r\n" + lines.joined(separator: "\r\n") + "\r\n"
            #expect(policyCase.reason != nil, "answered \(lines)")
        }
    }
}

/// A tiny deterministic generator, so property tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Sieve's `:from` (RFC 5230 4.3) and the default Pigeonhole uses.
@Suite struct ReplyFromTests {
    let vacation = Vacation(mailbox: "jan@firma.pl", aliases: ["J.Kowalski@firma.pl"], start: .distantPast, message: "x")

    @Test func theAliasWrittenToElseTheMailbox() {
        #expect(vacation.replyFrom(addressed: ["j.kowalski@firma.pl"]) == "j.kowalski@firma.pl")
        #expect(vacation.replyFrom(addressed: ["j.kowalski+biuro@firma.pl", "J.Kowalski@firma.pl"]) == "j.kowalski@firma.pl")
        #expect(vacation.replyFrom(addressed: ["jan@firma.pl"]) == "jan@firma.pl")
        #expect(vacation.replyFrom(addressed: ["someone.else@firma.pl"]) == "jan@firma.pl")
        var chosen = vacation
        chosen.from = "jan@firma.pl"
        #expect(chosen.replyFrom(addressed: ["j.kowalski@firma.pl"]) == "jan@firma.pl")
        // A stored From that is no longer one of the person's addresses is not used.
        chosen.from = "ceo@firma.pl"
        #expect(chosen.replyFrom(addressed: ["j.kowalski@firma.pl"]) == "j.kowalski@firma.pl")
    }

    @Test func theFormOnlyTakesOwnAddresses() {
        let site = VacationForm.Site(localDomains: ["firma.pl"], maxDays: 30)
        let good = VacationForm(message: "x", aliases: ["ala@firma.pl"], from: "Ala@firma.pl").validate(mailbox: "jan@firma.pl", site: site, now: .now)
        #expect((try? good.get())?.from == "ala@firma.pl")
        let bad = VacationForm(message: "x", from: "ceo@firma.pl").validate(mailbox: "jan@firma.pl", site: site, now: .now)
        guard case .failure(let problems) = bad else { Issue.record("a foreign From was accepted"); return }
        #expect(problems.fields["from"]?.contains("mailbox or one of its aliases") == true)
        // Decoding a vacation stored before `from` existed still works.
        let old = Data(#"{"mailbox":"a@b.pl","aliases":[],"start":0,"timeZone":"UTC","locale":"en","message":"m","contactsOnly":false,"sameDomainOnly":false,"days":7}"#.utf8)
        #expect((try? JSONDecoder().decode(Vacation.self, from: old))?.from == nil)
    }
}
