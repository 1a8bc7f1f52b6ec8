import Foundation
import NIOCore
import NIOPosix
import ReplydCore

/// MX and A lookups over UDP against one name server: the one configured (`delivery.resolver`, so
/// tests can use their own) or the first `nameserver` of /etc/resolv.conf.
public struct DNSResolver: Sendable {
    public enum Failure: Error, CustomStringConvertible {
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
    public var timeout: TimeAmount
    let group: any EventLoopGroup

    public init(server: String?, timeout: TimeAmount = .seconds(5), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.timeout = timeout
        self.group = group
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

    /// The hosts to try for `domain`, in order, each with an address to connect to (the name itself
    /// when the name server has no A record for it, so the system resolver gets a chance).
    public func mailHosts(for domain: String) async throws -> [(name: String, address: String)] {
        let response = try await ask(domain, .mx)
        if response.responseCode == 3 { throw Failure.noSuchDomain(domain) }
        guard response.responseCode == 0 else { throw Failure.serverFailure(domain, response.responseCode) }
        var hosts: [(String, String)] = []
        for host in DNSMessage.deliveryOrder(domain: domain, mx: response.mx) {
            let addresses = (try? await ask(host, .a))?.addresses ?? []
            if addresses.isEmpty {
                hosts.append((host, host))
            } else {
                hosts += addresses.map { (host, $0) }
            }
        }
        return hosts
    }

    func ask(_ name: String, _ type: DNSMessage.RecordType) async throws -> DNSMessage.Response {
        guard let server else { throw Failure.noNameServer }
        for _ in 0..<2 {
            if let response = try await exchange(name, type, server: server) { return response }
        }
        throw Failure.timeout(name)
    }

    private func exchange(_ name: String, _ type: DNSMessage.RecordType, server: SocketAddress) async throws -> DNSMessage.Response? {
        let id = UInt16.random(in: 0...UInt16.max)
        let timeout = self.timeout
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSResponseHandler(id: id))
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
        buffer.writeBytes(DNSMessage.query(id: id, name: name, type: type))
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: buffer))
        return try await answer.get()
    }
}

/// Waits for the answer with our id; anything else arriving on the socket is ignored.
final class DNSResponseHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let id: UInt16
    private var promise: EventLoopPromise<DNSMessage.Response?>?
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(id: UInt16) { self.id = id }

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
        guard let response = try? DNSMessage.parse(Array(envelope.data.readableBytesView)), response.id == id else { return }
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
