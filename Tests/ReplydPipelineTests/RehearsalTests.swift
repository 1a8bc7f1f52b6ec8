import Foundation
import ReplydCore
import ReplydPipeline
@testable import ReplydStore
import Testing

/// A dry run is the real pipeline rolled back: the same verdict as the real thing, and nothing kept.
@Suite struct RehearsalTests {
    let start = Fixture.start
    let setup = NotificationSetup(rules: NotificationRules(minGap: .zero), emailFrom: ("Sklep", "sklep@example.test"),
                                  smsFrom: "+48500100200", shopName: "Sklep", makeMessageID: { domain in "<n@\(domain)>" })

    func prepared() async throws -> Fixture {
        let fixture = try Fixture()
        try await fixture.store.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away"), at: start)
        try await fixture.store.setMailList(MailList(address: "news@firma.pl", name: "News", welcome: "W", farewell: "F", help: "H"),
                                            at: start)
        try await fixture.store.setSMSList(SMSList(number: "+48500100200", name: "promo", welcome: "hi", farewell: "bye", help: "help"),
                                           at: start)
        return fixture
    }

    func footprint(_ fixture: Fixture) async throws -> [Int] {
        [try await fixture.store.recentInbound(limit: 100).count,
         try await fixture.store.queueEntries(includeSent: true, limit: 100).count,
         try await fixture.store.notifications(order: "A-1").count,
         try await fixture.store.smsSubscriptions(list: "+48500100200", status: nil, limit: 10, offset: 0).total]
    }

    @Test func rehearsalsGiveTheVerdictsOfTheRealThingAndStoreNothing() async throws {
        let fixture = try await prepared()
        let pipeline = fixture.pipeline
        let vacationMail = Fixture.mail(to: ["jan@firma.pl"], at: start.addingTimeInterval(5))
        let listMail = Fixture.mail(to: ["news@firma.pl"], subject: "STOP", at: start.addingTimeInterval(5))
        let stop = Fixture.sms("STOP", id: "x", at: start.addingTimeInterval(5))
        let order = NotificationRequest(orderID: "A-1", event: "shipped", customer: Customer(name: "Ola", phone: "+48600100200"))

        let rehearsed = [try await pipeline.rehearse(vacationMail), try await pipeline.rehearse(listMail),
                         try await pipeline.rehearse(stop), try await pipeline.rehearse(order, setup: setup, at: start)]
        #expect(try await footprint(fixture) == [0, 0, 0, 0])
        let real = [try await pipeline.receive(vacationMail), try await pipeline.receive(listMail),
                    try await pipeline.receive(stop), try await pipeline.notify(order, setup: setup, at: start)]
        #expect(rehearsed.map { $0.verdicts.map(\.comparable) } == real.map { $0.verdicts.map(\.comparable) })
        #expect(rehearsed.map { $0.queued.map(\.message.origin) } == real.map { $0.queued.map(\.message.origin) })
        #expect(rehearsed.map(\.subscriptionChanges) == real.map(\.subscriptionChanges))
        #expect(real.map { $0.verdicts.first?.answered } == [true, true, true, true])
        #expect(try await footprint(fixture) == [2, 4, 1, 1])
        // After the real one, a rehearsal sees its history: the vacation is not answered twice.
        let again = try await pipeline.rehearse(Fixture.mail(to: ["jan@firma.pl"], at: start.addingTimeInterval(9)))
        #expect(again.verdicts.map(\.reason) == ["already-replied-within-period"])
    }

    @Test func unsavedVacationSettingsStandInForTheStoredOnes() async throws {
        let fixture = try await prepared()
        let unsaved = Vacation(mailbox: "jan@firma.pl", start: start, message: "Unsaved text", contactsOnly: true)
        let outcome = try await fixture.pipeline.rehearse(Fixture.mail(at: start.addingTimeInterval(5)), vacation: unsaved)
        #expect(outcome.verdicts.map(\.reason) == ["not-a-contact"])
        let draft = MessagePipeline.draftReply(vacation: unsaved, answering: Fixture.mail(at: start), settings: Fixture.engine,
                                               localDomains: ["firma.pl"])
        #expect(draft.text == "Unsaved text\n" && draft.recipient == "ewa@klient.pl")
    }
}
