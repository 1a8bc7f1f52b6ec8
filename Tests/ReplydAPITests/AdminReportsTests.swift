import Foundation
import ReplydCore
import ReplydPipeline
import ReplydStore
import ReplydTesting
import Testing
@testable import ReplydAPI

/// The reports `replyd explain --json`, `replyd queue show --json` and the API share: what they
/// carry is what the store holds, encoded the API's way.
@Suite struct AdminReportsTests {
    func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func anExplanationCarriesTheHeaderFieldsAndTheBytesAsReceived() async throws {
        let scratch = try ScratchDirectory("replyd-reports")
        let store = try SQLiteStore(path: scratch.path("r.sqlite"))
        let message = TestMessages.inbound(subject: "folded\r\n line", headers: "X-Tag: a\r\n")
        let id = try await MessagePipeline(store: store, engine: nil).recordInbound(message)
        let reports = AdminReports(store: store)
        let explanation = try object(AdminReports.json(try #require(try await reports.explanation(message: id))))
        let headers = try #require(explanation["headers"] as? [[String: String]])
        #expect(headers.map { $0["name"] ?? "" } == ["From", "To", "Subject", "X-Tag"])
        #expect(headers[2]["value"] == "folded line")
        let encoded = try #require(explanation["raw"] as? String)
        #expect(Data(base64Encoded: encoded).map(Array.init) == message.raw)
        let entry = try #require(explanation["message"] as? [String: Any])
        #expect(entry["helo"] as? String == "client.test" && entry["sender"] as? String == "ewa@klient.pl")
        #expect(try await reports.explanation(message: id + 1) == nil)
    }

    @Test func aQueueItemCarriesItsContentAndEveryAttempt() async throws {
        let scratch = try ScratchDirectory("replyd-reports")
        let store = try SQLiteStore(path: scratch.path("r.sqlite"))
        try await store.setSMSList(SMSList(number: "+48500100200", name: "club", welcome: "Hi", farewell: "Bye", help: "Help"), at: Date())
        let outcome = try await MessagePipeline(store: store, engine: nil).receive(
            InboundSMS(provider: "generic", providerID: "m1", sender: "+48600700800", recipient: "+48500100200", text: "STOP",
                       receivedAt: Date()))
        #expect(outcome.queued.count == 1)
        let queued = try #require(try await store.queueEntries(includeSent: true, limit: 5).first)
        let item = try object(AdminReports.json(try #require(try await AdminReports(store: store).queueItem(id: queued.id))))
        #expect(item["channel"] as? String == "sms" && item["kind"] as? String == "sms-list" && item["status"] as? String == "pending")
        #expect(item["intent"] as? String == "opt-out")
        let content = try #require(item["content"] as? String)
        #expect(Data(base64Encoded: content).map { String(decoding: $0, as: UTF8.self) } == "Bye")
        #expect(item["list"] as? String == "+48500100200")
        #expect((item["delivery_attempts"] as? [Any])?.isEmpty == true)
        // The same message from the other side: the SMS log and the number's subscription.
        let logged = try #require(try await store.recentSMS(limit: 5).first)
        #expect(logged.intent == "opt-out" && logged.action == "reply" && logged.outbound == queued.id)
        #expect(try await store.smsSubscriptions(number: "+48600700800").map(\.status) == ["out"])
    }
}
