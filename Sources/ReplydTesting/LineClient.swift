import NIOCore
import NIOPosix
import Synchronization

/// A TCP client that speaks in CRLF lines, for tests that talk to a real listener the way a mail
/// client would. Reads wait up to a deadline and say when the server closed.
public final class LineClient: Sendable {
    struct State {
        var lines: [String] = []
        var partial: [UInt8] = []
        var closed = false
    }

    final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let channel: any Channel
    private let shared: Shared

    private init(channel: any Channel, shared: Shared) {
        self.channel = channel
        self.shared = shared
    }

    /// Taken whole: NIO's handlers see every byte before the test does.
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let client: @Sendable ([UInt8]?) -> Void

        init(_ client: @escaping @Sendable ([UInt8]?) -> Void) { self.client = client }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            client(Array(unwrapInboundIn(data).readableBytesView))
        }

        func channelInactive(context: ChannelHandlerContext) {
            client(nil)
        }
    }

    public static func connect(host: String = "127.0.0.1", port: Int) async throws -> LineClient {
        let shared = Shared()
        let collect: @Sendable ([UInt8]?) -> Void = { bytes in
            shared.state.withLock { state in
                guard let bytes else { return state.closed = true }
                state.partial += bytes
                while let end = state.partial.firstIndex(of: UInt8(ascii: "\n")) {
                    var line = Array(state.partial[..<end])
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    state.lines.append(String(decoding: line, as: UTF8.self))
                    state.partial.removeFirst(end + 1)
                }
            }
        }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(collect)) }
            }
            .connect(host: host, port: port).get()
        return LineClient(channel: channel, shared: shared)
    }

    /// Writes `text` as it is (add the CRLF yourself).
    public func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// The next line, or nil once the server has closed and every line was read. Throws `Silence`
    /// when nothing came within `deadline`.
    public func line(within deadline: Duration = .seconds(10)) async throws -> String? {
        let end = ContinuousClock.now + deadline
        while true {
            let next: String?? = shared.state.withLock { state in
                if !state.lines.isEmpty { return .some(state.lines.removeFirst()) }
                return state.closed ? .some(nil) : nil
            }
            if let next { return next }
            guard ContinuousClock.now < end else { throw Silence(deadline: deadline) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// An SMTP reply: its lines up to the one whose code is followed by a space, joined by "\n".
    /// Throws `Silence`, or `Closed` when the server hung up first.
    public func reply(within deadline: Duration = .seconds(10)) async throws -> String {
        var lines: [String] = []
        while true {
            guard let line = try await line(within: deadline) else { throw Closed(after: lines) }
            lines.append(line)
            if line.count < 4 || Array(line)[3] == " " { return lines.joined(separator: "\n") }
        }
    }

    /// Whether the server closed the connection within `deadline` (lines still unread are dropped).
    public func closed(within deadline: Duration) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        while true {
            // Looked at once more after the deadline: a test resumed late must still see a close
            // that came in time.
            if shared.state.withLock({ $0.closed }) { return true }
            guard ContinuousClock.now < end else { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    public func close() async {
        try? await channel.close().get()
    }

    public struct Silence: Error, CustomStringConvertible {
        public var deadline: Duration
        public var description: String { "nothing received within \(deadline)" }
    }

    public struct Closed: Error, CustomStringConvertible {
        public var after: [String]
        public var description: String { "the server closed the connection after \(after)" }
    }
}
