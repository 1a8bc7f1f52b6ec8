import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReplydConfig
import ReplydCore
import ReplydPipeline
import ReplydStore
import ReplydTesting
import Testing
@testable import ReplydAPI

/// The admin API through Hummingbird's router, as a client sees it: the scope middleware before
/// the handler, then typed bodies out.
@Suite struct AdminRouteTests {
    static let admin = "admin-token-0123456789"
    static let reader = "read-token-0123456789"

    func router(store: SQLiteStore) -> Router<BasicRequestContext> {
        let settings = AdminAPI.Settings(
            tokens: [.init(name: "ops", secret: Self.admin, scopes: ["admin"]), .init(name: "viewer", secret: Self.reader, scopes: ["read"])],
            maxBody: 64 * 1024, localDomains: ["example.test"], configuredMailboxes: [], maxDays: 30, defaultCountryCode: "48",
            engine: nil, hostname: "mx.example.test")
        let router = Router()
        AdminAPI(store: store, pipeline: MessagePipeline(store: store, engine: nil), settings: settings, clock: { TestMessages.now })
            .register(on: router)
        return router
    }

    func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    @Test func aQueueItemIsShownToTheQueueScopeOnlyWithItsContent() async throws {
        let scratch = try ScratchDirectory("replyd-routes")
        let store = try SQLiteStore(path: scratch.path("r.sqlite"))
        try await store.setSMSList(SMSList(number: "+48500100200", name: "club", welcome: "Hi", farewell: "Bye", help: "Help"), at: Date())
        _ = try await MessagePipeline(store: store, engine: nil).receive(
            InboundSMS(provider: "generic", providerID: "m1", sender: "+48600700800", recipient: "+48500100200", text: "STOP",
                       receivedAt: TestMessages.now))
        try await Application(router: router(store: store)).test(.router) { client in
            let anonymous = try await client.execute(uri: "/api/v1/queue/1", method: .get)
            #expect(anonymous.status == .unauthorized)
            // `read` does not see the queue: it holds customers' numbers.
            let reading = try await client.execute(uri: "/api/v1/queue/1", method: .get, headers: bearer(Self.reader))
            #expect(reading.status == .forbidden)
            let shown = try await client.execute(uri: "/api/v1/queue/1", method: .get, headers: bearer(Self.admin))
            #expect(shown.status == .ok)
            let item = try #require(try JSONSerialization.jsonObject(with: Data(shown.body.readableBytesView)) as? [String: Any])
            #expect(item["recipient"] as? String == "+48600700800" && item["kind"] as? String == "sms-list")
            #expect((item["content"] as? String).flatMap { Data(base64Encoded: $0) } == Data("Bye".utf8))
            let missing = try await client.execute(uri: "/api/v1/queue/2", method: .get, headers: bearer(Self.admin))
            #expect(missing.status == .notFound)
            let malformed = try await client.execute(uri: "/api/v1/queue/x", method: .get, headers: bearer(Self.admin))
            #expect(malformed.status == .badRequest)
        }
    }
}
