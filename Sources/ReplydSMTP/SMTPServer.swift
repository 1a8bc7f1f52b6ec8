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
        public var maxConnectionsPerIP: Int
        public var commandTimeout: Duration
        public var dataTimeout: Duration
        public var minDataRate: Int
        /// Where messages past `settings.spoolThreshold` are spooled while they arrive.
        public var spoolDirectory: String
        public var shutdownGrace: Duration
        public var sslContext: NIOSSLContext?
        public var directory: MailboxDirectory?

        public init(host: String, port: Int, settings: SMTPSession.Settings, maxLineLength: Int,
                    maxConnections: Int, maxConnectionsPerIP: Int? = nil, commandTimeout: Duration, dataTimeout: Duration,
                    minDataRate: Int = 0, spoolDirectory: String = NSTemporaryDirectory(),
                    shutdownGrace: Duration, sslContext: NIOSSLContext?, directory: MailboxDirectory? = nil) {
            self.directory = directory
            self.maxConnectionsPerIP = maxConnectionsPerIP ?? maxConnections
            self.minDataRate = minDataRate
            self.spoolDirectory = spoolDirectory
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
    private let checkSender: (@Sendable (_ ip: String, _ sender: String, _ helo: String) async -> SPFResult)?
    private let connections: ConnectionRegistry
    private let serverChannel = NIOLockedValueBox<(any Channel)?>(nil)

    /// `checkSender`: the SPF check of each message's sender (RFC 7208), stored with it; nil: none.
    public init(options: Options, store: any InboundStore, logger: Logger,
                checkSender: (@Sendable (_ ip: String, _ sender: String, _ helo: String) async -> SPFResult)? = nil,
                clock: @escaping @Sendable () -> Date = { Date() },
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.options = options
        self.checkSender = checkSender
        self.store = store
        self.clock = clock
        self.logger = logger
        self.group = group
        self.connections = ConnectionRegistry(limit: options.maxConnections, perAddressLimit: options.maxConnectionsPerIP)
    }

    /// Binds the listening socket and starts accepting. Returns the bound address (port 0 picks one).
    public func bind() async throws -> SocketAddress {
        let environment = SMTPConnectionHandler.Environment(
            settings: options.settings,
            maxLineLength: options.maxLineLength,
            commandTimeout: TimeAmount(options.commandTimeout),
            dataTimeout: TimeAmount(options.dataTimeout),
            minDataRate: options.minDataRate,
            spoolDirectory: options.spoolDirectory,
            sslContext: options.sslContext,
            directory: options.directory,
            store: store,
            checkSender: checkSender,
            clock: clock,
            logger: logger
        )
        let connections = self.connections
        let hostname = options.settings.hostname
        let logger = self.logger
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptErrorLogger(logger: logger, protocolName: "SMTP"))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let remote = channel.remoteAddress?.ipAddress ?? "?"
                    let admission = connections.add(channel, address: remote)
                    if admission != .admitted {
                        let perAddress = admission == .overAddressLimit
                        let reply = perAddress
                            ? SMTPReply(421, "4.7.0", "\(hostname) Error: too many connections from \(remote)")
                            : SMTPReply(421, "4.7.0", "\(hostname) Too many connections, try again later")
                        SMTPMetrics.replied(reply)
                        SMTPMetrics.refusedConnection(perAddress: perAddress)
                        logger.notice("refusing connection: \(perAddress ? "per-address" : "total") limit reached", metadata: ["remote": "\(remote)"])
                        try channel.pipeline.syncOperations.addHandler(RefuseHandler(reply: reply))
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

    /// Says 421 to every session that is between transactions and closes it, as the first step of
    /// a shutdown does (sessions in a transaction finish it first).
    public func closeIdleSessions() {
        broadcast(ShutdownEvent(force: false))
    }

    private func broadcast(_ event: ShutdownEvent) {
        for channel in connections.all {
            channel.pipeline.fireUserInboundEventTriggered(event)
        }
    }
}

/// The open connections, capped in total and per client address (so one host cannot take every
/// slot). Kept for the limits and to reach every session at shutdown.
final class ConnectionRegistry: Sendable {
    enum Admission: Equatable {
        case admitted, overLimit, overAddressLimit
    }

    private struct State {
        var channels: [ObjectIdentifier: (channel: any Channel, address: String)] = [:]
        var perAddress: [String: Int] = [:]
    }

    private let limit: Int
    private let perAddressLimit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int, perAddressLimit: Int) {
        self.limit = limit
        self.perAddressLimit = perAddressLimit
    }

    /// Registers the channel when both limits allow it; a refused channel is not registered.
    func add(_ channel: any Channel, address: String) -> Admission {
        state.withLockedValue { state in
            let key = ObjectIdentifier(channel)
            if state.channels[key] != nil { return .admitted }
            guard state.channels.count < limit else { return .overLimit }
            guard state.perAddress[address, default: 0] < perAddressLimit else { return .overAddressLimit }
            state.channels[key] = (channel, address)
            state.perAddress[address, default: 0] += 1
            return .admitted
        }
    }

    func remove(_ channel: any Channel) {
        state.withLockedValue { state in
            guard let entry = state.channels.removeValue(forKey: ObjectIdentifier(channel)) else { return }
            let left = state.perAddress[entry.address, default: 1] - 1
            state.perAddress[entry.address] = left > 0 ? left : nil
        }
    }

    var count: Int { state.withLockedValue { $0.channels.count } }
    var all: [any Channel] { state.withLockedValue { $0.channels.values.map(\.channel) } }
}

/// Answers a connection over a limit with 421 (RFC 5321 3.8) and closes it.
final class RefuseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let reply: SMTPReply

    init(reply: SMTPReply) { self.reply = reply }

    func channelActive(context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: 80)
        out.writeString(reply.wire)
        context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
