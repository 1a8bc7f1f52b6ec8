import HTTPTypes
import HummingbirdCore
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes

/// The HTTP port faces the internet (SMS providers call the webhooks), so it gets what the SMTP
/// port has: a cap on connections, and deadlines that a client dribbling bytes cannot extend.
struct HTTPLimits: Sendable {
    var maxConnections: Int
    /// Hummingbird's own: no request part read and no response written for this long closes the
    /// connection (it does not run while a response is pending; `RequestDeadlineHandler` closes a
    /// connection that stops taking responses). Header bytes count for nothing until the head is
    /// whole, so a trickled head is cut off here too.
    var idleTimeout: Duration
    /// From a request's head to the end of its body.
    var requestTimeout: Duration
}

/// Connections open on the HTTP port, against the cap.
final class HTTPConnectionCount: Sendable {
    private let limit: Int
    private let count = NIOLockedValueBox(0)

    init(limit: Int) { self.limit = limit }

    func tryAcquire() -> Bool {
        count.withLockedValue { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() { count.withLockedValue { $0 -= 1 } }
}

/// Hummingbird's HTTP/1 child channel behind the connection cap: over it, the connection is
/// answered 503 with `Connection: close` before any byte is read and closed, so a flood of idle
/// connections cannot take every file descriptor from the SMTP side.
struct CappedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel
    let connections: HTTPConnectionCount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard connections.tryAcquire() else {
            Counter(label: "replyd_http_connections_refused_total").increment()
            logger.notice("refusing HTTP connection: limit reached", metadata: ["remote": "\(channel.remoteAddress?.ipAddress ?? "?")"])
            // Answered and closed by the refusal in front; the rest of the pipeline never sees a byte.
            do {
                try channel.pipeline.syncOperations.addHandler(HTTPRefusalHandler())
            } catch {
                channel.close(promise: nil)
            }
            return inner.setup(channel: channel, logger: logger)
        }
        let connections = self.connections
        channel.closeFuture.whenComplete { _ in connections.release() }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }

    static func builder(_ limits: HTTPLimits) -> HTTPServerBuilder {
        let connections = HTTPConnectionCount(limit: limits.maxConnections)
        let requestTimeout = TimeAmount(limits.requestTimeout)
        return HTTPServerBuilder { responder in
            CappedHTTP1Channel(
                inner: HTTP1Channel(
                    responder: responder,
                    configuration: .init(additionalChannelHandlers: [RequestDeadlineHandler(timeout: requestTimeout)],
                                         idleTimeout: TimeAmount(limits.idleTimeout))),
                connections: connections)
        }
    }
}

/// Answers 503 with `Connection: close` as soon as the connection is up, reads nothing, and closes.
final class HTTPRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let refusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 5\r\n\r\n"
    private var answered = false

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let refusal = context.channel.allocator.buffer(string: Self.refusal)
        context.writeAndFlush(wrapOutboundOut(refusal)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

/// Closes a connection whose request body has not arrived whole within the deadline of its head,
/// answering 408 first when no response has begun. The deadline is not moved by reads. Also closes
/// a connection that does not take our responses (not writable) for as long: Hummingbird's idle
/// timer does not run while a response is being written.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var stalled: Scheduled<Void>?
    private var responseStarted = false

    init(timeout: TimeAmount) { self.timeout = timeout }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            responseStarted = false
            deadline?.cancel()
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { self.expired(context: context) }
        case .body:
            break
        case .end:
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head = unwrapOutboundIn(data) { responseStarted = true }
        context.write(data, promise: promise)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stalled?.cancel()
            stalled = nil
        } else if stalled == nil {
            stalled = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                Counter(label: "replyd_http_request_timeouts_total").increment()
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    private func cancelTimers() {
        deadline?.cancel()
        deadline = nil
        stalled?.cancel()
        stalled = nil
    }

    private func expired(context: ChannelHandlerContext) {
        deadline = nil
        Counter(label: "replyd_http_request_timeouts_total").increment()
        guard context.channel.isActive else { return }
        if !responseStarted {
            var head = HTTPResponse(status: .requestTimeout)
            head.headerFields[.connection] = "close"
            head.headerFields[.contentLength] = "0"
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            // The 408 may never be read: the connection goes anyway.
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) { context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}
