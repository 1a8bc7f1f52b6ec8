import Foundation
import NIOCore
import NIOPosix

/// Asks one name server: the one configured (so tests can use their own) or the first `nameserver`
/// of /etc/resolv.conf. UDP first; an answer marked truncated is asked again over TCP (RFC 7766).
/// An answer counts only when it comes from that server, carries the query's id and repeats its
/// question: anything else on the socket is ignored.
public struct DNSResolver: Sendable {
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case noSuchDomain(String)
        case serverFailure(String, UInt8)
        case timeout(String)
        case noNameServer

        public var description: String {
            switch self {
            case .noSuchDomain(let name): "no such domain \(name)"
            case .serverFailure(let name, let code): "name server failed for \(name) (rcode \(code))"
            case .timeout(let name): "no answer from the name server for \(name)"
            case .noNameServer: "no name server configured or in /etc/resolv.conf"
            }
        }
    }

    public var server: SocketAddress?
    /// Per try; UDP is tried twice, then TCP once if the answer was truncated.
    public var timeout: TimeAmount
    let group: any EventLoopGroup
    /// Nil: every question goes to the server.
    let cache: DNSCache?

    public init(server: String?, timeout: TimeAmount = .seconds(5), cache: DNSCache? = nil,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.timeout = timeout
        self.group = group
        self.cache = cache
        if let server {
            let parts = server.split(separator: ":")
            let host = String(parts[0])
            let port = parts.count > 1 ? Int(parts[1]) ?? 53 : 53
            self.server = try SocketAddress(ipAddress: host, port: port)
        } else {
            let conf = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
            let nameserver = conf.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ", omittingEmptySubsequences: true)
                return words.count >= 2 && words[0] == "nameserver" ? String(words[1]) : nil
            }.first
            self.server = try nameserver.map { try SocketAddress(ipAddress: $0, port: 53) }
        }
    }

    /// The hosts to try for `domain`, in order, each with an address to connect to: its A, then its
    /// AAAA records, or the name itself when the name server has neither, so the system resolver
    /// gets a chance.
    public func mailHosts(for domain: String) async throws -> [(name: String, address: String)] {
        let response = try await query(domain, .mx)
        if response.responseCode == 3 { throw Failure.noSuchDomain(domain) }
        guard response.responseCode == 0 else { throw Failure.serverFailure(domain, response.responseCode) }
        var hosts: [(String, String)] = []
        for host in DNSMessage.deliveryOrder(domain: domain, mx: response.mx) {
            var addresses = (try? await query(host, .a))?.addresses ?? []
            addresses += (try? await query(host, .aaaa))?.addresses ?? []
            if addresses.isEmpty {
                hosts.append((host, host))
            } else {
                hosts += addresses.map { (host, $0) }
            }
        }
        return hosts
    }

    /// The server's answer to `name`/`type`, whatever its RCODE; throws only when none came.
    public func query(_ name: String, _ type: DNSMessage.RecordType) async throws -> DNSMessage.Response {
        guard let server else { throw Failure.noNameServer }
        let question = (name.hasSuffix(".") ? String(name.dropLast()) : name).lowercased()
        if let cached = cache?.answer(question, type) { return cached }
        let response = try await ask(question, type, server: server)
        cache?.keep(response, for: question, type)
        return response
    }

    private func ask(_ question: String, _ type: DNSMessage.RecordType, server: SocketAddress) async throws -> DNSMessage.Response {
        for _ in 0..<2 {
            let id = UInt16.random(in: 0...UInt16.max)
            let query = DNSMessage.query(id: id, name: question, type: type)
            guard let response = try await overUDP(query, id: id, question: question, type: type, server: server) else { continue }
            if !response.truncated { return response }
            if let whole = try await overTCP(query, id: id, question: question, type: type, server: server) { return whole }
            return response  // what fitted, rather than nothing
        }
        throw Failure.timeout(question)
    }

    static func answers(_ response: DNSMessage.Response, id: UInt16, question: String, type: DNSMessage.RecordType) -> Bool {
        response.isResponse && response.id == id && response.question?.name == question && response.question?.type == type.rawValue
    }

    private func overUDP(_ query: [UInt8], id: UInt16, question: String, type: DNSMessage.RecordType,
                         server: SocketAddress) async throws -> DNSMessage.Response? {
        let timeout = self.timeout
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSResponseHandler(server: server) {
                        Self.answers($0, id: id, question: question, type: type)
                    })
                }
            }
            .bind(host: server.protocol == .inet6 ? "::" : "0.0.0.0", port: 0)
            .get()
        defer { channel.close(promise: nil) }
        // Arm the wait (with its time-out) on the loop before the query leaves.
        let answer = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: DNSResponseHandler.self).arm(timeout: timeout)
        }.get()
        var buffer = channel.allocator.buffer(capacity: 64)
        buffer.writeBytes(query)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: buffer))
        return try await answer.get()
    }

    /// RFC 1035 4.2.2: each message preceded by its length in two octets.
    private func overTCP(_ query: [UInt8], id: UInt16, question: String, type: DNSMessage.RecordType,
                         server: SocketAddress) async throws -> DNSMessage.Response? {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .connect(to: server) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
        } catch {
            return nil
        }
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) { channel.channel.close(promise: nil) }
        defer {
            deadline.cancel()
            channel.channel.close(promise: nil)
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var framed = ByteBuffer()
                framed.writeInteger(UInt16(query.count))
                framed.writeBytes(query)
                try await outbound.write(framed)
                var received = ByteBuffer()
                for try await chunk in inbound {
                    var chunk = chunk
                    received.writeBuffer(&chunk)
                    guard let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
                          received.readableBytes >= 2 + Int(length) else { continue }
                    let bytes = received.getBytes(at: received.readerIndex + 2, length: Int(length)) ?? []
                    guard let response = try? DNSMessage.parse(bytes), Self.answers(response, id: id, question: question, type: type) else {
                        return nil
                    }
                    return response
                }
                return nil
            }
        } catch {
            return nil
        }
    }
}

/// Waits for the answer `accepts` takes, from `server`; anything else arriving on the socket is
/// ignored (a spoofed or stale answer must not be believed).
final class DNSResponseHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let server: SocketAddress
    let accepts: (DNSMessage.Response) -> Bool
    private var promise: EventLoopPromise<DNSMessage.Response?>?
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(server: SocketAddress, accepts: @escaping (DNSMessage.Response) -> Bool) {
        self.server = server
        self.accepts = accepts
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// The answer, or nil when none came within `timeout`.
    func arm(timeout: TimeAmount) -> EventLoopFuture<DNSMessage.Response?> {
        let eventLoop = context!.eventLoop
        let promise = eventLoop.makePromise(of: DNSMessage.Response?.self)
        self.promise = promise
        timer = eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.finish(nil)
        }
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == server,
              let response = try? DNSMessage.parse(Array(envelope.data.readableBytesView)), accepts(response) else { return }
        finish(response)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(nil)  // e.g. ICMP port unreachable: treat as no answer, the caller retries
    }

    private func finish(_ response: DNSMessage.Response?) {
        timer?.cancel()
        timer = nil
        promise?.succeed(response)
        promise = nil
    }
}
