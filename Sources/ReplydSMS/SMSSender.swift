import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL
import ReplydCore

/// Hands queued SMS to the provider's send API over HTTPS (AsyncHTTPClient). The request and the
/// meaning of the answer come from `SMSProviderAPI`; this is only the transport.
public final class SMSSender: Sendable {
    private let client: HTTPClient
    private let settings: SMSProviderSettings
    private let timeout: Duration
    private let maxResponse: Int

    /// - Parameters:
    ///   - caFile: PEM of CAs to trust instead of the system's (a private gateway, or a test CA).
    ///   - timeout: for the whole request; a provider that does not answer in time is retried later.
    public init(settings: SMSProviderSettings, caFile: String?, timeout: Duration, concurrency: Int = 8,
                maxResponse: Int = 64 * 1024) throws {
        // AsyncHTTPClient's default of 8 connections per host would quietly cap sms.send_concurrency.
        self.client = try ProviderHTTP.makeClient(caFile: caFile, timeout: timeout, connections: concurrency)
        self.settings = settings
        self.timeout = timeout
        self.maxResponse = maxResponse
    }

    public func send(_ item: OutboundItem) async -> DeliveryOutcome {
        let sms = OutgoingSMS(reference: "replyd-\(item.id)", from: item.envelopeSender, to: item.recipient,
                              text: String(decoding: item.data, as: UTF8.self))
        let prepared = SMSProviderAPI.request(sms, settings: settings)
        let host = URL(string: prepared.url)?.host ?? prepared.url
        var request = HTTPClientRequest(url: prepared.url)
        request.method = .POST
        for (name, value) in prepared.headers.sorted(by: { $0.key < $1.key }) { request.headers.add(name: name, value: value) }
        request.headers.add(name: "User-Agent", value: "replyd")
        request.body = .bytes(ByteBuffer(bytes: prepared.body))
        do {
            let response = try await client.execute(request, timeout: TimeAmount.nanoseconds(Int64(timeout.timeInterval * 1e9)))
            let body = try await response.body.collect(upTo: maxResponse)
            var outcome = SMSProviderAPI.outcome(status: Int(response.status.code), body: Array(body.readableBytesView), host: host)
            if case .delivered(let host, let code, let detail, _) = outcome, prepared.url.hasPrefix("https://") {
                // The attempt record says the request went over TLS; AsyncHTTPClient does not tell which version.
                outcome = .delivered(host: host, code: code, detail: detail, tlsVersion: "TLS")
            }
            return outcome
        } catch {
            // Connection refused, TLS failure, time-out: the provider may be back later.
            return .temporary(host: host, reason: "\(error)")
        }
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }
}
