import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOSSL
import ReplydCore
import ReplydTesting
import Testing
@testable import ReplydSMTP

/// The connection handler on a test channel: bytes in exactly as split, replies out, a clock the
/// test moves.
@Suite struct SMTPConnectionHandlerTests {
    struct Harness {
        let channel: NIOAsyncTestingChannel
        let store: MemoryInboundStore

        /// Every reply written since the last call, as text.
        func replies() async throws -> String {
            var text = ""
            while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                text += String(buffer: buffer)
            }
            return text
        }

        func send(_ text: String) async throws {
            try await channel.writeInbound(ByteBuffer(string: text))
        }
    }

    func harness(maxLineLength: Int = 1000, commandTimeout: TimeAmount = .seconds(300), maxJunkCommands: Int = 100,
                 ssl: NIOSSLContext? = nil) async throws -> Harness {
        let store = MemoryInboundStore()
        let settings = SMTPSession.Settings(hostname: "mx.example.test", maxMessageSize: 10_000, maxRecipients: 2, maxErrors: 10,
                                            tlsAvailable: ssl != nil, requireTLS: false,
                                            recipients: RecipientPolicy(localDomains: ["example.test"], catchAll: true),
                                            maxJunkCommands: maxJunkCommands)
        let environment = SMTPConnectionHandler.Environment(
            settings: settings, maxLineLength: maxLineLength, commandTimeout: commandTimeout, dataTimeout: .seconds(600),
            minDataRate: 0, spoolDirectory: NSTemporaryDirectory(), sslContext: ssl, directory: nil, store: store,
            clock: { Date(timeIntervalSince1970: 1_800_000_000) }, logger: Logger(label: "test"))
        let channel = NIOAsyncTestingChannel()
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(SMTPConnectionHandler(environment: environment))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "192.0.2.7", port: 40000))
        let harness = Harness(channel: channel, store: store)
        #expect(try await harness.replies().hasPrefix("220 mx.example.test ESMTP"))
        return harness
    }

    @Test func linesAreFramedHoweverTheBytesArrive() async throws {
        let h = try await harness()
        for piece in ["EH", "LO client", ".test\r", "\nNO", "OP\r\n"] { try await h.send(piece) }
        let replies = try await h.replies()
        #expect(replies.contains("250-mx.example.test") && replies.hasSuffix("250 2.0.0 Ok\r\n"))
        // Nothing is answered before its line is whole.
        try await h.send("NOOP")
        #expect(try await h.replies().isEmpty)
        try await h.send("\r\n")
        #expect(try await h.replies() == "250 2.0.0 Ok\r\n")
    }

    @Test func anOverlongLineIsRefusedOnceAndItsRestDropped() async throws {
        let h = try await harness(maxLineLength: 512)
        try await h.send("EHLO client.test\r\n")
        _ = try await h.replies()
        try await h.send("NOOP " + String(repeating: "x", count: 600))
        try await h.send(String(repeating: "y", count: 600) + "\r\nNOOP\r\n")
        let replies = try await h.replies().split(separator: "\r\n")
        #expect(replies.count == 2 && replies[0].hasPrefix("500 5.5.2") && replies[1] == "250 2.0.0 Ok")
    }

    @Test func aMessageIsHandedToTheStoreAndAnsweredAfterItsCommit() async throws {
        let h = try await harness()
        try await h.send("EHLO c\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n")
        #expect(try await h.replies().hasSuffix("354 End data with <CR><LF>.<CR><LF>\r\n"))
        try await h.send("Subject: x\r\n\r\nhi\r\n.\r\n")
        var answer = ""
        // The commit runs on the shared thread pool, busy with the rest of the suite: up to 10 s.
        for _ in 0..<1_000 where answer.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
            await h.channel.testingEventLoop.run()
            answer = try await h.replies()
        }
        #expect(answer.hasPrefix("250 2.0.0 Ok: queued as 1"))
        #expect(h.store.received.map(\.subject) == ["x"])
    }

    @Test func theCommandDeadlineEndsASilentSession() async throws {
        let h = try await harness(commandTimeout: .seconds(30))
        await h.channel.testingEventLoop.advanceTime(by: .seconds(29))
        #expect(try await h.replies().isEmpty)
        await h.channel.testingEventLoop.advanceTime(by: .seconds(2))
        #expect(try await h.replies().hasPrefix("421 4.4.2"))
    }

    @Test func junkCommandsAreCapped() async throws {
        let h = try await harness(maxJunkCommands: 3)
        try await h.send("EHLO c\r\n" + String(repeating: "NOOP\r\n", count: 4))
        let replies = try await h.replies().split(separator: "\r\n")
        #expect(replies.last?.hasPrefix("503 5.7.0") == true)
        #expect(replies.filter { $0 == "250 2.0.0 Ok" }.count == 3)
    }

    /// CVE-2011-0411: what a client pipelined behind STARTTLS arrived in clear text and must not be
    /// obeyed once TLS is up.
    @Test func commandsPipelinedBehindStartTLSAreDiscarded() async throws {
        let h = try await harness(ssl: try Self.serverContext())
        try await h.send("EHLO c\r\n")
        #expect(try await h.replies().contains("250-STARTTLS"))
        try await h.send("STARTTLS\r\nMAIL FROM:<forged@client.test>\r\n")
        #expect(try await h.replies() == "220 2.0.0 Ready to start TLS\r\n")
        // The TLS handler now sits in front: the pipelined MAIL was neither answered nor kept.
        let channel = h.channel
        try await channel.testingEventLoop.executeInContext { _ = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self) }
        #expect(try await h.replies().isEmpty)
    }

    /// A throw-away certificate made with the openssl command line (installed by scripts/test).
    static func serverContext() throws -> NIOSSLContext {
        let scratch = try ScratchDirectory("replyd-tls")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                             "-keyout", scratch.path("key.pem"), "-out", scratch.path("cert.pem"), "-days", "1", "-subj", "/CN=localhost"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(scratch.path("cert.pem")).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: scratch.path("key.pem"), format: .pem)))
        return try NIOSSLContext(configuration: configuration)
    }
}
