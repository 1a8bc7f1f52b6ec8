import Foundation
import ReplydCore
import Testing
import ReplydTesting
@testable import ReplydSMTP

/// The listener over a real socket, with a store that keeps messages in memory (or fails on purpose):
/// what a client sees, and what reaches the store.
@Suite struct SMTPServerTests {
    func withServer(store: MemoryInboundStore = MemoryInboundStore(), perIP: Int = 10, commandTimeout: Duration = .seconds(300),
                    _ body: (Int) async throws -> Void) async throws {
        try await TestSMTPServer.run(store: store, limits: .init(perIP: perIP, commandTimeout: commandTimeout), body)
    }

    func open(_ port: Int) async throws -> LineClient {
        let client = try await LineClient.connect(port: port)
        #expect(try await client.reply().hasPrefix("220 mx.example.test"))
        try await client.send("EHLO client.test\r\n")
        #expect(try await client.reply().contains("250 "))
        return client
    }

    @Test func aMessageIsStoredBeforeItsTwoHundredFifty() async throws {
        let store = MemoryInboundStore()
        try await withServer(store: store) { port in
            let client = try await open(port)
            // Pipelined, as RFC 2920 clients send it; a line that starts with a dot is stuffed.
            try await client.send("MAIL FROM:<ann@client.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")
            #expect(try await client.reply().hasPrefix("250 2.1.0"))
            #expect(try await client.reply().hasPrefix("250 2.1.5"))
            #expect(try await client.reply().hasPrefix("354"))
            try await client.send("Subject: hi\r\n\r\n..leading dot\r\nbody\r\n.\r\n")
            let done = try await client.reply()
            #expect(done.hasPrefix("250 2.0.0") && done.contains("queued as 1"))
            try await client.send("QUIT\r\n")
            #expect(try await client.reply().hasPrefix("221"))
            await client.close()
        }
        let message = try #require(store.received.first)
        #expect(message.envelopeSender == "ann@client.test" && message.recipients == ["bob@example.test"])
        #expect(message.subject == "hi")
        #expect(String(decoding: message.raw, as: UTF8.self).hasSuffix("\r\n.leading dot\r\nbody\r\n"))
    }

    @Test func aStoreThatFailsGetsFourFiftyOneAndNothingIsAcknowledged() async throws {
        try await withServer(store: MemoryInboundStore(failing: true)) { port in
            let client = try await open(port)
            try await client.send("MAIL FROM:<ann@client.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")
            for _ in 0..<3 { _ = try await client.reply() }
            try await client.send("Subject: hi\r\n\r\nbody\r\n.\r\n")
            #expect(try await client.reply().hasPrefix("451"))
            await client.close()
        }
    }

    @Test func oneAddressGetsNoMoreThanItsShareOfConnections() async throws {
        try await withServer(perIP: 2) { port in
            let first = try await open(port)
            let second = try await open(port)
            let third = try await LineClient.connect(port: port)
            #expect(try await third.reply().hasPrefix("421 4.7.0"))
            #expect(try await third.closed(within: .seconds(5)))
            // A slot that is given back can be taken again.
            await first.close()
            var admitted = false
            for _ in 0..<500 where !admitted {  // up to 10 s on a loaded machine
                let again = try await LineClient.connect(port: port)
                admitted = try await again.reply().hasPrefix("220")
                await again.close()
                if !admitted { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(admitted)
            await second.close()
        }
    }

    @Test func aSilentClientIsCutOffAtTheCommandDeadline() async throws {
        try await withServer(commandTimeout: .seconds(1)) { port in
            // Greeted, then silent: no command is ever sent, so no write can race the deadline.
            let client = try await LineClient.connect(port: port)
            #expect(try await client.reply().hasPrefix("220"))
            #expect(try await client.reply(within: .seconds(10)).hasPrefix("421 4.4.2"))
            #expect(try await client.closed(within: .seconds(10)))
        }
    }
}
