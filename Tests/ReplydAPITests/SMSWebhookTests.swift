import Crypto
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

/// The SMS webhooks through Hummingbird's router: signature first, then the body, then the pipeline.
@Suite struct SMSWebhookTests {
    static let secret = "s3cret-webhook"

    struct Setup {
        let scratch: ScratchDirectory
        let store: SQLiteStore
        let router: Router<BasicRequestContext>
    }

    func setup(maxBody: Int = 64 * 1024) async throws -> Setup {
        let scratch = try ScratchDirectory("replyd-webhook")
        let store = try SQLiteStore(path: scratch.path("w.sqlite"))
        try await store.setSMSList(SMSList(number: "+48500100200", name: "club", welcome: "Hi", farewell: "Bye", help: "Help"),
                                   at: Date())
        var settings = Configuration().sms
        settings.webhookSecret = Self.secret
        settings.maxBody = maxBody
        let router = Router()
        SMSWebhooks(pipeline: MessagePipeline(store: store, engine: nil), settings: settings).register(on: router)
        return Setup(scratch: scratch, store: store, router: router)
    }

    func signed(_ body: String, secret: String = Self.secret) -> HTTPFields {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return [.contentType: "application/json",
                HTTPField.Name("X-Signature")!: "sha256=" + mac.map { String(format: "%02x", $0) }.joined()]
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    @Test func aSignedStopIsAnsweredOnceAndARetryIsRecognised() async throws {
        let setup = try await setup()
        let body = #"{"from": "600700800", "to": "+48500100200", "text": "STOP", "id": "m1"}"#
        try await Application(router: setup.router).test(.router) { client in
            let first = try await client.execute(uri: "/sms/inbound", method: .post, headers: signed(body), body: ByteBuffer(string: body))
            #expect(first.status == .ok)
            let answer = try json(first.body)
            #expect(answer["replied"] as? Bool == true && answer["intent"] as? String == "opt-out" && answer["duplicate"] as? Bool == false)
            let again = try await client.execute(uri: "/sms/inbound", method: .post, headers: signed(body), body: ByteBuffer(string: body))
            let retried = try json(again.body)
            #expect(retried["duplicate"] as? Bool == true && retried["id"] as? Int == answer["id"] as? Int)
        }
        #expect(try await setup.store.smsSubscriptions(list: "+48500100200", status: "out", limit: 5, offset: 0).total == 1)
        #expect(try await setup.store.queueEntries(includeSent: true, limit: 5).count == 1)
    }

    @Test func nothingIsStoredWithoutAGoodSignatureOrWithBadFields() async throws {
        let setup = try await setup()
        let body = #"{"from": "not a number", "text": "x"}"#
        try await Application(router: setup.router).test(.router) { client in
            let unsigned = try await client.execute(uri: "/sms/inbound", method: .post, headers: [.contentType: "application/json"],
                                                    body: ByteBuffer(string: body))
            #expect(unsigned.status == .unauthorized)
            let forged = try await client.execute(uri: "/sms/inbound", method: .post, headers: signed(body, secret: "guess"),
                                                  body: ByteBuffer(string: body))
            #expect(forged.status == .forbidden)
            let invalid = try await client.execute(uri: "/sms/inbound", method: .post, headers: signed(body), body: ByteBuffer(string: body))
            #expect(invalid.status == .badRequest)
            let fields = try #require(try json(invalid.body)["fields"] as? [String: String])
            #expect(Set(fields.keys) == ["from", "to", "id"])
            let wrongType = #"{"from": 48600700800, "to": "+48500100200", "text": "x", "id": "m"}"#
            let typed = try await client.execute(uri: "/sms/inbound", method: .post, headers: signed(wrongType),
                                                 body: ByteBuffer(string: wrongType))
            let typedFields = try json(typed.body)["fields"] as? [String: String]
            #expect(typed.status == .badRequest && typedFields?["from"] == "expected a string")
        }
        #expect(try await setup.store.recentInbound(limit: 5).isEmpty)
        #expect(try await setup.store.queueEntries(includeSent: true, limit: 5).isEmpty)
    }

    @Test func aBodyOverTheLimitIs413AtItsEdge() async throws {
        let setup = try await setup(maxBody: 256)
        let fits = #"{"from": "600700800", "to": "+48500100200", "id": "m1", "text": ""#
        let exact = fits + String(repeating: "a", count: 256 - fits.utf8.count - 2) + #""}"#
        #expect(exact.utf8.count == 256)
        try await Application(router: setup.router).test(.router) { client in
            let atLimit = try await client.execute(uri: "/sms/inbound", method: .post, headers: signed(exact), body: ByteBuffer(string: exact))
            #expect(atLimit.status == .ok)
            let over = exact.replacingOccurrences(of: "\"m1\"", with: "\"m12\"")
            let refused = try await client.execute(uri: "/sms/inbound", method: .post, headers: signed(over), body: ByteBuffer(string: over))
            #expect(refused.status == .contentTooLarge)
            let error = try json(refused.body)["error"] as? String
            #expect(error?.contains("sms.max_body") == true)
        }
    }
}
