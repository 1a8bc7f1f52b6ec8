import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import ReplydCore

/// One client connection to a mail server, driven with async/await: send a line, await the reply.
/// Every wait has a deadline; a missed deadline closes the connection.
final class SMTPClientConnection: Sendable {
    enum Failure: Error, CustomStringConvertible {
        case timeout(String)
        case closed
        case malformedReply(String)
        case tls(String)

        var description: String {
            switch self {
            case .timeout(let step): "time-out waiting for \(step)"
            case .closed: "connection closed by the server"
            case .malformedReply(let line): "malformed reply: \(line.prefix(100))"
            case .tls(let reason): "TLS failure: \(reason)"
            }
        }
    }

    let channel: any Channel
    private let handler: NIOLoopBound<ReplyHandler>

    private init(channel: any Channel, handler: NIOLoopBound<ReplyHandler>) {
        self.channel = channel
        self.handler = handler
    }

    static func connect(host: String, port: Int, implicitTLS: (NIOSSLContext, String)?, timeout: TimeAmount,
                        group: any EventLoopGroup) async throws -> SMTPClientConnection {
        // The handler is kept from the initializer: looking it up after the connect fails when the
        // server has already hung up (its handlers are gone), which hid what the server said.
        let (channel, handler) = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let (context, name) = implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: context, serverHostname: serverName(name)))
                    }
                    let handler = ReplyHandler()
                    try channel.pipeline.syncOperations.addHandler(handler)
                    return (channel, NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
        return SMTPClientConnection(channel: channel, handler: handler)
    }

    /// SNI must not be an IP address literal.
    static func serverName(_ host: String) -> String? {
        host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
    }

    func reply(step: String, timeout: TimeAmount) async throws -> SMTPReply {
        let handler = self.handler
        return try await channel.eventLoop.flatSubmit {
            handler.value.next(step: step, timeout: timeout)
        }.get()
    }

    func send(_ bytes: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await channel.writeAndFlush(buffer)
    }

    func command(_ line: String, step: String? = nil, timeout: TimeAmount) async throws -> SMTPReply {
        try await send(Array((line + "\r\n").utf8))
        return try await reply(step: step ?? String(line.prefix { $0 != " " && $0 != ":" }), timeout: timeout)
    }

    /// After `220` to STARTTLS: put TLS in front and wait for the handshake.
    func startTLS(context: NIOSSLContext, serverName name: String, timeout: TimeAmount) async throws -> String {
        let handler = self.handler
        let channel = self.channel
        return try await channel.eventLoop.flatSubmit {
            do {
                let tls = try NIOSSLClientHandler(context: context, serverHostname: Self.serverName(name))
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                return channel.eventLoop.makeFailedFuture(Failure.tls("\(error)"))
            }
            return handler.value.awaitHandshake(timeout: timeout)
        }.get()
    }

    var tlsVersion: String? {
        get async {
            try? await channel.eventLoop.submit { [channel] in
                (try? channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self))?.tlsVersion.map(Self.describe)
            }.get() ?? nil
        }
    }

    /// Whether the connection is open with nothing unread and no failure: a cached session the
    /// server has not said anything on since (an unsolicited 421 would be read as the next reply).
    func isReady() async -> Bool {
        let handler = self.handler
        let channel = self.channel
        return (try? await channel.eventLoop.submit { channel.isActive && handler.value.isIdle }.get()) ?? false
    }

    func close() async {
        try? await channel.close()
    }

    static func describe(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLSv1"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }
}

/// Reads reply lines, reassembles multi-line replies and hands them to whoever waits, in order.
final class ReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var buffer = ByteBuffer()
    private var reader = SMTPClientCodec.ReplyReader()
    private var ready: [SMTPReply] = []
    private var waiters: [(EventLoopPromise<SMTPReply>, Scheduled<Void>?)] = []
    private var failure: (any Error)?
    private var handshake: (EventLoopPromise<String>, Scheduled<Void>?)?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    var isIdle: Bool { ready.isEmpty && waiters.isEmpty && failure == nil && buffer.readableBytes == 0 }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let lf = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = lf - buffer.readableBytesView.startIndex
            var line = buffer.readString(length: length) ?? ""
            buffer.moveReaderIndex(forwardBy: 1)
            if line.hasSuffix("\r") { line.removeLast() }
            do {
                if let reply = try reader.feed(line) { deliver(reply) }
            } catch {
                fail(SMTPClientConnection.Failure.malformedReply(line), context: context)
                return
            }
        }
        // A server that never ends its line must not make us buffer forever.
        if buffer.readableBytes > 64 * 1024 { fail(SMTPClientConnection.Failure.malformedReply("line over 64 KiB"), context: context) }
        buffer.discardReadBytes()
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPClientConnection.Failure.closed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let isTLS = error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
        let failure: any Error = isTLS ? SMTPClientConnection.Failure.tls("\(error)") : error
        fail(failure, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent, let (promise, timer) = handshake {
            handshake = nil
            timer?.cancel()
            let version = (try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self))?.tlsVersion
            promise.succeed(version.map(SMTPClientConnection.describe) ?? "TLS")
        }
        context.fireUserInboundEventTriggered(event)
    }

    func next(step: String, timeout: TimeAmount) -> EventLoopFuture<SMTPReply> {
        guard let context else { return MultiThreadedEventLoopGroup.singleton.any().makeFailedFuture(SMTPClientConnection.Failure.closed) }
        if !ready.isEmpty { return context.eventLoop.makeSucceededFuture(ready.removeFirst()) }
        if let failure { return context.eventLoop.makeFailedFuture(failure) }
        let promise = context.eventLoop.makePromise(of: SMTPReply.self)
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.fail(SMTPClientConnection.Failure.timeout(step), context: context)
        }
        waiters.append((promise, timer))
        return promise.futureResult
    }

    func awaitHandshake(timeout: TimeAmount) -> EventLoopFuture<String> {
        guard let context else { return MultiThreadedEventLoopGroup.singleton.any().makeFailedFuture(SMTPClientConnection.Failure.closed) }
        if let failure { return context.eventLoop.makeFailedFuture(failure) }
        let promise = context.eventLoop.makePromise(of: String.self)
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.fail(SMTPClientConnection.Failure.timeout("TLS handshake"), context: context)
        }
        handshake = (promise, timer)
        return promise.futureResult
    }

    private func deliver(_ reply: SMTPReply) {
        if waiters.isEmpty {
            ready.append(reply)
        } else {
            let (promise, timer) = waiters.removeFirst()
            timer?.cancel()
            promise.succeed(reply)
        }
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        if failure == nil { failure = error }
        let pending = waiters
        waiters = []
        for (promise, timer) in pending {
            timer?.cancel()
            promise.fail(error)
        }
        if let (promise, timer) = handshake {
            handshake = nil
            timer?.cancel()
            promise.fail(error)
        }
        context.close(promise: nil)
    }
}
