import Foundation
import ReplydCore
import ReplydPipeline
@testable import ReplydStore
import Testing

@Suite struct MailFlowTests {
    let start = Fixture.start

    func mail(from sender: String = "ewa@klient.pl", to recipients: [String] = ["jan@firma.pl"], at date: Date) -> InboundMessage {
        Fixture.mail(from: sender, to: recipients, at: date)
    }

    @Test func repliesOncePerPeriodAndRecordsEveryDecision() async throws {
        let fixture = try Fixture()
        let (store, pipeline) = (fixture.store, fixture.pipeline)
        try await store.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away", days: 2), at: start)
        let first = try await pipeline.receive(mail(at: start.addingTimeInterval(10)))
        let second = try await pipeline.receive(mail(at: start.addingTimeInterval(20)))
        let later = try await pipeline.receive(mail(at: start.addingTimeInterval(2 * 86_400 + 10)))
        #expect(first.verdicts.map(\.answered) == [true])
        #expect(second.verdicts.map(\.reason) == ["already-replied-within-period"])
        #expect(later.verdicts.map(\.answered) == [true])
        // The outcome is what was stored.
        #expect(try await store.decisions(message: first.id).map(\.replied) == [true])
        #expect(try await store.decisions(message: second.id).map(\.reason) == ["already-replied-within-period"])
        #expect(try await store.queueEntries(includeSent: true, limit: 10).count == 2)
        let reply = try #require(first.queued.first)
        #expect(reply.message.origin == .vacation(mailbox: "jan@firma.pl"))
        #expect(reply.message.inboundMail == first.id)
        #expect(try await store.outboundData(id: reply.id) == reply.message.data)
        #expect(String(decoding: reply.message.data, as: UTF8.self).contains("Auto-Submitted: auto-replied\r\n"))
        // The Message-ID is in the mailbox's domain (Pigeonhole uses the host name; the mail domain is what DKIM signs).
        let messageID = try #require(HeaderFields.parse(reply.message.data).first("Message-ID"))
        #expect(messageID.hasSuffix("@firma.pl>"))
    }

    @Test func newTextStartsANewPeriod() async throws {
        let fixture = try Fixture()
        try await fixture.store.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away"), at: start)
        _ = try await fixture.pipeline.receive(mail(at: start.addingTimeInterval(10)))
        try await fixture.store.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away longer"), at: start)
        #expect(try await fixture.pipeline.receive(mail(at: start.addingTimeInterval(20))).verdicts.map(\.answered) == [true])
    }

    @Test func contactsAliasesAndSubaddresses() async throws {
        let fixture = try Fixture()
        try await fixture.store.setVacation(Vacation(mailbox: "jan@firma.pl", aliases: ["jk@firma.pl"], start: start,
                                                     message: "Away", contactsOnly: true), at: start)
        let stranger = try await fixture.pipeline.receive(mail(to: ["jk@firma.pl"], at: start.addingTimeInterval(1)))
        #expect(stranger.verdicts.map(\.reason) == ["not-a-contact"])
        try await fixture.store.addContacts(owner: "*", [("ewa@klient.pl", "Ewa")], at: start)
        let contact = try await fixture.pipeline.receive(mail(to: ["jan+x@firma.pl"], at: start.addingTimeInterval(2)))
        #expect(contact.verdicts.map(\.answered) == [true])
        #expect(contact.verdicts.first?.decidedBy == "jan@firma.pl")
        #expect(try await fixture.store.decisions(message: contact.id).first?.mailbox == "jan@firma.pl")
    }

    @Test func oneDecisionPerDistinctRecipientAndNoneWithoutEngine() async throws {
        let fixture = try Fixture()
        let outcome = try await fixture.pipeline.receive(mail(to: ["a@firma.pl", "A@firma.pl", "b@firma.pl"], at: start))
        #expect(outcome.verdicts.map(\.reason) == ["no-vacation", "no-vacation"])
        #expect(try await fixture.store.decisions(message: outcome.id).count == 2)
        let plain = MessagePipeline(store: fixture.store, engine: nil)
        let logged = try await plain.receive(mail(at: start))
        #expect(logged.verdicts.isEmpty)
        #expect(try await fixture.store.decisions(message: logged.id).isEmpty)
    }

    @Test func historyKeyHoldsAcrossNodes() async throws {
        // Two stores on one file stand for two processes: the unique key, not memory, decides.
        let fixture = try Fixture()
        let (other, otherPipeline) = try fixture.sibling()
        defer { try? other.close() }
        try await fixture.store.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away"), at: start)
        async let a = fixture.pipeline.receive(mail(at: start.addingTimeInterval(1)))
        async let b = otherPipeline.receive(mail(at: start.addingTimeInterval(1)))
        let outcomes = try await [a, b]
        #expect(outcomes.flatMap(\.verdicts).filter(\.answered).count == 1)
        #expect(try await fixture.store.queueEntries(includeSent: true, limit: 10).count == 1)
    }

    @Test func aMailListAddressIsAnsweredByTheListNotAVacation() async throws {
        let fixture = try Fixture()
        let list = MailList(address: "news@firma.pl", name: "News", welcome: "Welcome", farewell: "Bye", help: "Help")
        try await fixture.store.setMailList(list, at: start)
        let start = try await fixture.pipeline.receive(Fixture.mail(to: ["news@firma.pl"], subject: "START", at: self.start))
        let verdict = try #require(start.verdicts.first)
        #expect(verdict.kind == .mailList && verdict.intent == "opt-in" && verdict.answered)
        // Double opt-in: a confirmation request, and no subscription yet.
        #expect(start.subscriptionChanges.isEmpty)
        let request = try #require(start.queued.first?.message)
        #expect(request.origin == .mailList(address: "news@firma.pl", intent: "opt-in"))
        let token = try #require(request.subject?.split(separator: "-").last?.dropLast())
        let confirm = try await fixture.pipeline.receive(Fixture.mail(to: ["news+confirm-\(token)@firma.pl"], subject: "Re: confirm",
                                                                      at: self.start.addingTimeInterval(60)))
        #expect(confirm.subscriptionChanges.map(\.status) == [.subscribed])
        #expect(confirm.queued.first.map { String(decoding: $0.message.data, as: UTF8.self).contains("Welcome") } == true)
    }
}
