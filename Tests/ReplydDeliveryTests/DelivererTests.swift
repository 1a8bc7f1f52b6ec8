import Foundation
import Logging
import NIOCore
import ReplydCore
import ReplydTesting
import Testing
@testable import ReplydDelivery

/// The SMTP client against replyd's own listener: what one sends, the other must receive unchanged.
@Suite struct DelivererTests {
    func deliverer(port: Int, cacheTime: Duration = .seconds(2)) throws -> Deliverer {
        try Deliverer(route: DeliveryRoute(mode: .relay(host: "127.0.0.1", port: port, tls: .none, username: nil, password: nil),
                                           heloName: "replyd.test", caFile: nil, connectTimeout: .seconds(300),
                                           commandTimeout: .seconds(300), dataTimeout: .seconds(300), connectionCacheTime: cacheTime),
                      logger: Logger(label: "test"))
    }

    func key(_ port: Int) -> SessionCache.Key {
        SessionCache.Key(host: "127.0.0.1", port: port, tls: .none, tlsName: "127.0.0.1", username: nil)
    }

    func item(_ body: String, to recipient: String = "bob@example.test") -> OutboundItem {
        let data = Array("From: <jan@replyd.test>\r\nTo: <\(recipient)>\r\nSubject: Auto: hi\r\nAuto-Submitted: auto-replied\r\n\r\n\(body)".utf8)
        return OutboundItem(id: 1, envelopeSender: "", recipient: recipient, data: data, attempts: 0, createdAt: Date())
    }

    @Test func aReplyArrivesByteForByteWithANullSender() async throws {
        let store = MemoryInboundStore()
        try await TestSMTPServer.run(store: store) { port in
            // A line that is only a dot, and one that starts with one: the client must stuff both.
            let client = try deliverer(port: port)
            let outcome = await client.deliver(item("first\r\n.\r\n.second\r\nlast\r\n"))
            guard case .delivered(_, let code, _, _) = outcome else {
                Issue.record("expected delivered, got \(outcome)")
                return
            }
            #expect(code == 250)
        }
        let received = try #require(store.received.first)
        #expect(received.envelopeSender == "" && received.recipients == ["bob@example.test"])
        #expect(received.raw == item("first\r\n.\r\n.second\r\nlast\r\n").data)
    }

    @Test func aServerThatCannotStoreIsATemporaryFailure() async throws {
        try await TestSMTPServer.run(store: MemoryInboundStore(failing: true)) { port in
            let client = try deliverer(port: port)
            let outcome = await client.deliver(item("body\r\n"))
            guard case .temporary(_, let reason) = outcome else {
                Issue.record("expected temporary, got \(outcome)")
                return
            }
            #expect(reason.hasPrefix("451"))
        }
    }

    @Test func aMessageOverTheServersSizeIsAPermanentFailure() async throws {
        try await TestSMTPServer.run(store: MemoryInboundStore(), limits: .init(maxMessageSize: 1_000)) { port in
            let client = try deliverer(port: port)
            let outcome = await client.deliver(item(String(repeating: "x", count: 2_000) + "\r\n"))
            guard case .permanent(_, let reason) = outcome else {
                Issue.record("expected permanent, got \(outcome)")
                return
            }
            #expect(reason.hasPrefix("552"))
        }
    }

    @Test func aSessionCarriesTheNextMessagesAndARefusalDoesNotEndIt() async throws {
        let store = MemoryInboundStore()
        try await TestSMTPServer.run(store: store, limits: .init(maxMessageSize: 1_000)) { port in
            let client = try deliverer(port: port, cacheTime: .seconds(300))
            for (index, body) in ["one\r\n", String(repeating: "x", count: 2_000) + "\r\n", "three\r\n"].enumerated() {
                let outcome = await client.deliver(item(body, to: "r\(index)@example.test"))
                if index == 1 {
                    guard case .permanent = outcome else { Issue.record("expected permanent, got \(outcome)"); return }
                } else {
                    guard case .delivered = outcome else { Issue.record("expected delivered, got \(outcome)"); return }
                }
            }
            // One session did all three: two transactions, and the refusal in between (SIZE) kept it.
            let session = try #require(client.sessions.take(key(port)))
            #expect(session.transactions == 3)
            await session.connection.close()
        }
        #expect(store.received.map(\.recipients) == [["r0@example.test"], ["r2@example.test"]])
    }

    @Test func aSessionTheServerClosedWhileItWaitedIsReplacedWithoutAFailure() async throws {
        let store = MemoryInboundStore()
        try await TestSMTPServer.run(store: store) { port, server in
            let client = try deliverer(port: port, cacheTime: .seconds(300))
            guard case .delivered = await client.deliver(item("one\r\n")) else { Issue.record("first not delivered"); return }
            // The server hangs up on the waiting session (421, then close), as an idle time-out does.
            server.closeIdleSessions()
            for _ in 0..<500 where server.activeConnections > 0 { try await Task.sleep(for: .milliseconds(10)) }
            let outcome = await client.deliver(item("two\r\n"))
            guard case .delivered = outcome else { Issue.record("expected delivered, got \(outcome)"); return }
            let session = try #require(client.sessions.take(key(port)))
            #expect(session.transactions == 1)
            await session.connection.close()
        }
        #expect(store.received.count == 2)
    }

    @Test func withoutACacheTimeEverySessionEnds() async throws {
        try await TestSMTPServer.run(store: MemoryInboundStore()) { port in
            let client = try deliverer(port: port, cacheTime: .zero)
            guard case .delivered = await client.deliver(item("one\r\n")) else { Issue.record("not delivered"); return }
            #expect(client.sessions.count == 0)
        }
    }
}
