import Foundation
import Logging
import ReplydCore
import ReplydSMTP
import ServiceLifecycle
import Synchronization

/// An inbound store that keeps messages in memory, or refuses them all (a full disk).
public final class MemoryInboundStore: InboundStore {
    public let messages = Mutex<[InboundMessage]>([])
    let failing: Bool

    public init(failing: Bool = false) { self.failing = failing }

    public func recordInbound(_ message: InboundMessage) async throws -> Int64 {
        if failing { throw Refused() }
        return messages.withLock { $0.append(message); return Int64($0.count) }
    }

    public var received: [InboundMessage] { messages.withLock { $0 } }

    public struct Refused: Error {}
}

/// replyd's own SMTP listener on an ephemeral loopback port, for tests on either side of a
/// conversation (a client's, or delivery's).
public enum TestSMTPServer {
    /// Time-outs default to minutes: Swift Testing runs every test at once on a cooperative pool
    /// of one thread per core, so on a small machine a test can wait many seconds between two of
    /// its own steps while CPU-bound tests hold the threads. A test about time-outs sets its own.
    public struct Limits: Sendable {
        public var perIP = 10
        public var commandTimeout: Duration = .seconds(300)
        public var maxMessageSize = 100_000

        public init(perIP: Int = 10, commandTimeout: Duration = .seconds(300), maxMessageSize: Int = 100_000) {
            self.perIP = perIP
            self.commandTimeout = commandTimeout
            self.maxMessageSize = maxMessageSize
        }
    }

    /// Runs `body` with the port, then shuts the server down the way `replyd serve` does.
    public static func run(store: any InboundStore, limits: Limits = Limits(), _ body: (Int) async throws -> Void) async throws {
        try await run(store: store, limits: limits) { port, _ in try await body(port) }
    }

    /// The same, with the server itself (to make it hang up on its sessions).
    public static func run(store: any InboundStore, limits: Limits = Limits(),
                           _ body: (Int, SMTPServer) async throws -> Void) async throws {
        let scratch = try ScratchDirectory("replyd-smtp")
        let settings = SMTPSession.Settings(hostname: "mx.example.test", maxMessageSize: limits.maxMessageSize, maxRecipients: 5,
                                            maxErrors: 5, tlsAvailable: false, requireTLS: false,
                                            recipients: RecipientPolicy(localDomains: ["example.test"], catchAll: true))
        let server = SMTPServer(
            options: .init(host: "127.0.0.1", port: 0, settings: settings, maxLineLength: 1000, maxConnections: 20,
                           maxConnectionsPerIP: limits.perIP, commandTimeout: limits.commandTimeout, dataTimeout: .seconds(300),
                           spoolDirectory: scratch.url.path, shutdownGrace: .seconds(1), sslContext: nil),
            store: store, logger: Logger(label: "test-smtp"))
        let address = try await server.bind()
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], logger: Logger(label: "test-smtp"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(address.port!, server)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

