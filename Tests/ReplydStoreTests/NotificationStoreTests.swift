import Foundation
import GRDB
import ReplydCore
import Testing
@testable import ReplydStore

@Suite struct NotificationStoreTests {
    let store: SQLiteStore
    /// 2026-11-25 14:00 UTC, 15:00 in Warsaw.
    let afternoon = Date(timeIntervalSince1970: 1_795_615_200)
    let setup = SQLiteStore.NotificationSetup(
        rules: NotificationRules(minGap: .zero), emailFrom: ("Sklep", "sklep@example.test"), smsFrom: "+48500100200",
        shopName: "Sklep", makeMessageID: { "<n@example.test>" })

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replyd-notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory.appendingPathComponent("n.sqlite").path)
    }

    func request(_ order: String, phone: String = "+48600100200") -> NotificationRequest {
        NotificationRequest(orderID: order, event: "shipped", customer: Customer(name: "Ola", phone: phone), data: [:])
    }

    @Test func aRetryThatWouldLandAtNightWaitsForTheMorning() async throws {
        guard case .recorded(let record) = try await store.recordNotification(request("R-1"), setup: setup, at: afternoon) else {
            Issue.record("expected a recorded notification")
            return
        }
        let claimed = try await store.claimDue(channel: .sms, owner: "w", now: afternoon, limit: 1, lease: .seconds(60))
        let item = try #require(claimed.first)
        #expect(item.id == record.deliveries.first?.outboundID)
        // The provider failed; the back-off says 22:30 Warsaw time (21:30 UTC).
        let night = afternoon.addingTimeInterval(7.5 * 3600)
        try await store.complete(item, outcome: .temporary(host: "p", reason: "503"), next: .retry(at: night), at: afternoon)
        let due = try await store.queueEntry(id: item.id)?.nextAttemptAt
        // 08:00 in Warsaw the next day: 07:00 UTC.
        #expect(due == Date(timeIntervalSince1970: 1_795_676_400))
    }

    @Test func aSTOPOnTheSendingNumberReroutesAndHolds() async throws {
        _ = try await store.recordInboundSMS(provider: "p", providerID: "s1", from: "+48600100200", to: "+48500100200", text: "stop",
                                             at: afternoon)
        var withEmail = request("R-2")
        withEmail.customer.email = "ola@klient.test"
        guard case .recorded(let rerouted) = try await store.recordNotification(withEmail, setup: setup, at: afternoon) else {
            Issue.record("expected a recorded notification")
            return
        }
        #expect(rerouted.deliveries.map(\.channel) == ["email"])
        var smsOnly = request("R-3")
        smsOnly.customer.channelPreference = .sms
        guard case .recorded(let held) = try await store.recordNotification(smsOnly, setup: setup, at: afternoon) else {
            Issue.record("expected a recorded notification")
            return
        }
        #expect(held.status == "held" && held.reason == "sms-opted-out" && held.deliveries.isEmpty)
        #expect(try await store.recordNotification(withEmail, setup: setup, at: afternoon) == .duplicate(rerouted.id))
    }
}
