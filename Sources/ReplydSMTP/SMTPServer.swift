import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ReplydCore
import ServiceLifecycle

/// The SMTP listener as a lifecycle service: bind first (so the caller can report the real address,
/// or fail before announcing anything), then serve until graceful shutdown, then drain.
public final class SMTPServer: Service, Sendable {
    public struct Options: Sendable {
        public var host: String
        public var port: Int
        public var settings: SMTPSession.Settings
        public var maxLineLength: Int
        public var maxConnections: Int
        public var commandTimeout: Duration
        public var dataTimeout: Duration
        public var shutdownGrace: Duration
        public var sslContext: NIOSSLContext?
        public var directory: MailboxDirectory?

        public init(host: String, port: Int, settings: SMTPSession.Settings, maxLineLength: Int,
                    maxConnections: Int, commandTimeout: Duration, dataTimeout: Duration,
                    shutdownGrace: Duration, sslContext: NIOSSLContext?, directory: MailboxDirectory? = nil) {
            self.directory = directory
            self.host = host
            self.port = port
            self.settings = settings
            self.maxLineLength = maxLineLength
            self.maxConnections = maxConnections
            self.commandTimeout = commandTimeout
            self.dataTimeout = dataTimeout
            self.shutdownGrace = shutdownGrace
            self.sslContext = sslContext
        }
    }

    /// Sent down every open connection at shutdown. Idle sessions are closed with 421 at once; a
    /// session in the middle of a transaction may finish it first, unless `force` (grace is over).
    /// A message being committed is always answered before the close.
    struct ShutdownEvent: Sendable {
        var force: Bool
    }

    private let options: Options
    private let store: any InboundStore
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let group: any EventLoopGroup
    private let connections: ConnectionRegistry
    private let serverChannel = NIOLockedValueBox<(any Channel)?>(nil)

    public init(options: Options, store: any InboundStore, logger: Logger,
                clock: @escaping @Sendable () -> Date = { Date() },
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.options = options
        self.store = store
        self.clock = clock
        self.logger = logger
        self.group = group
        self.connections = ConnectionRegistry(limit: options.maxConnections)
    }

    /// Binds the listening socket and starts accepting. Returns the bound address (port 0 picks one).
    public func bind() async throws -> SocketAddress {
        let environment = SMTPConnectionHandler.Environment(
            settings: options.settings,
            maxLineLength: options.maxLineLength,
            commandTimeout: TimeAmount(options.commandTimeout),
            dataTimeout: TimeAmount(options.dataTimeout),
            sslContext: options.sslContext,
            directory: options.directory,
            store: store,
            clock: clock,
            logger: logger
        )
        let connections = self.connections
        let hostname = options.settings.hostname
        let logger = self.logger
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard connections.add(channel) else {
                        SMTPMetrics.replied(SMTPReply(421, "4.7.0", "too many connections"))
                        logger.notice("refusing connection: limit reached", metadata: ["remote": "\(channel.remoteAddress?.ipAddress ?? "?")"])
                        try channel.pipeline.syncOperations.addHandler(RefuseHandler(hostname: hostname))
                        return
                    }
                    channel.closeFuture.whenComplete { _ in connections.remove(channel) }
                    try channel.pipeline.syncOperations.addHandler(SMTPConnectionHandler(environment: environment))
                }
            }
            .bind(host: options.host, port: options.port)
            .get()
        serverChannel.withLockedValue { $0 = channel }
        return channel.localAddress!
    }

    public var activeConnections: Int { connections.count }

    public func run() async throws {
        guard let channel = serverChannel.withLockedValue({ $0 }) else {
            _ = try await bind()
            return try await run()
        }
        // Serve until asked to stop (or until the listener dies on its own).
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        await drain()
    }

    /// Stop accepting (done), close idle sessions, let transactions finish up to the grace period,
    /// then close the rest with 421.
    private func drain() async {
        broadcast(ShutdownEvent(force: false))
        let deadline = ContinuousClock.now + options.shutdownGrace
        while connections.count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard connections.count > 0 else { return }
        logger.info("grace period over: closing \(connections.count) SMTP sessions")
        broadcast(ShutdownEvent(force: true))
        // A session committing a message gets a little longer to answer it.
        let hardDeadline = ContinuousClock.now + .seconds(5)
        while connections.count > 0 && ContinuousClock.now < hardDeadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for channel in connections.all { channel.close(promise: nil) }
    }

    private func broadcast(_ event: ShutdownEvent) {
        for channel in connections.all {
            channel.pipeline.fireUserInboundEventTriggered(event)
        }
    }
}

/// The open connections, capped. Kept for the limit and to reach every session at shutdown.
final class ConnectionRegistry: Sendable {
    private let limit: Int
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    init(limit: Int) { self.limit = limit }

    func add(_ channel: any Channel) -> Bool {
        channels.withLockedValue { channels in
            guard channels.count < limit else { return false }
            channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        _ = channels.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var count: Int { channels.withLockedValue { $0.count } }
    var all: [any Channel] { channels.withLockedValue { Array($0.values) } }
}

/// Answers a connection over the limit with 421 (RFC 5321 3.8) and closes it.
final class RefuseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let hostname: String

    init(hostname: String) { self.hostname = hostname }

    func channelActive(context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: 80)
        out.writeString(SMTPReply(421, "4.7.0", "\(hostname) Too many connections, try again later").wire)
        context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
