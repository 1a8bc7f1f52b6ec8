import Foundation
import ReplydCore
import ReplydPipeline
@testable import ReplydStore
import Testing

@Suite struct NotificationFlowTests {
    /// 2026-11-25 14:00 UTC, 15:00 in Warsaw.
    let afternoon = Date(timeIntervalSince1970: 1_795_615_200)
    let setup = NotificationSetup(
        rules: NotificationRules(minGap: .zero), emailFrom: ("Sklep", "sklep@example.test"), smsFrom: "+48500100200",
        shopName: "Sklep", makeMessageID: { domain in "<n@\(domain)>" })

    func request(_ order: String, phone: String = "+48600100200") -> NotificationRequest {
        NotificationRequest(orderID: order, event: "shipped", customer: Customer(name: "Ola", phone: phone), data: [:])
    }

    @Test func aRetryThatWouldLandAtNightWaitsForTheMorning() async throws {
        let fixture = try Fixture()
        let outcome = try await fixture.pipeline.notify(request("R-1"), setup: setup, at: afternoon)
        let claimed = try await fixture.store.claimDue(channel: .sms, owner: "w", now: afternoon, limit: 1, lease: .seconds(60))
        let item = try #require(claimed.first)
        #expect(item.id == outcome.queued.first?.id)
        #expect(outcome.queued.first?.message.origin == .notification(id: outcome.id, optOutList: "+48500100200"))
        // The provider failed; the back-off says 22:30 Warsaw time (21:30 UTC).
        let night = afternoon.addingTimeInterval(7.5 * 3600)
        #expect(item.quietHours != nil && item.timeZone == "Europe/Warsaw")
        try await fixture.store.complete(item, outcome: .temporary(host: "p", reason: "503"), next: item.keepingQuietHours(.retry(at: night)),
                                         at: afternoon)
        let due = try await fixture.store.queueEntry(id: item.id)?.nextAttemptAt
        // 08:00 in Warsaw the next day: 07:00 UTC.
        #expect(due == Date(timeIntervalSince1970: 1_795_676_400))
    }

    @Test func aSTOPOnTheSendingNumberReroutesAndHolds() async throws {
        let fixture = try Fixture()
        _ = try await fixture.pipeline.receive(InboundSMS(provider: "p", providerID: "s1", sender: "+48600100200", recipient: "+48500100200",
                                                          text: "stop", receivedAt: afternoon))
        var withEmail = request("R-2")
        withEmail.customer.email = "ola@klient.test"
        let rerouted = try await fixture.pipeline.notify(withEmail, setup: setup, at: afternoon)
        #expect(rerouted.queued.map(\.message.channel) == [.email])
        #expect(try await fixture.store.notification(id: rerouted.id)?.deliveries.map(\.channel) == ["email"])
        var smsOnly = request("R-3")
        smsOnly.customer.channelPreference = .sms
        let held = try await fixture.pipeline.notify(smsOnly, setup: setup, at: afternoon)
        #expect(held.verdicts.map(\.reason) == ["sms-opted-out"] && held.queued.isEmpty)
        #expect(try await fixture.store.notification(id: held.id)?.status == "held")
        #expect(try await fixture.pipeline.notify(withEmail, setup: setup, at: afternoon).inbound == .duplicateNotification(of: rerouted.id))
    }
}
