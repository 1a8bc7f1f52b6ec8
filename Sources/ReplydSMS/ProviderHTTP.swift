import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL
import ReplydCore

/// HTTPS to an SMS provider's API with the settings every provider call shares: TLS 1.2 or newer,
/// verified against the system's CAs or `provider_ca_file`, no redirects, `provider_timeout`.
public final class ProviderHTTP: Sendable {
    private let client: HTTPClient
    private let timeout: Duration
    private let maxResponse: Int

    /// - Parameter maxResponse: a longer answer fails the call rather than filling memory.
    public init(caFile: String?, timeout: Duration, maxResponse: Int) throws {
        self.client = try Self.makeClient(caFile: caFile, timeout: timeout, connections: 1)
        self.timeout = timeout
        self.maxResponse = maxResponse
    }

    static func makeClient(caFile: String?, timeout: Duration, connections: Int) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile)) }
        let seconds = Int64(max(timeout.components.seconds, 1))
        return HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                 timeout: .init(connect: .seconds(min(seconds, 30)), read: .seconds(seconds)),
                                 connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(connections, 1)),
                                 proxy: nil, ignoreUncleanSSLShutdown: false, decompression: .disabled),
            backgroundActivityLogger: Logger(label: "replyd.sms.http"))
    }

    /// The status and the whole body; throws on connection, TLS and time-out failures and on an
    /// answer over `maxResponse`.
    public func post(_ prepared: SMSProviderAPI.Request) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: prepared.url)
        request.method = .POST
        for (name, value) in prepared.headers.sorted(by: { $0.key < $1.key }) { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: "replyd")
        request.body = .bytes(ByteBuffer(bytes: prepared.body))
        let response = try await client.execute(request, timeout: TimeAmount.nanoseconds(Int64(timeout.timeInterval * 1e9)))
        let body = try await response.body.collect(upTo: maxResponse)
        return (Int(response.status.code), Array(body.readableBytesView))
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }
}
