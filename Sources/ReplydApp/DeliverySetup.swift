import Foundation
import Logging
import NIOCore
import ReplydConfig
import ReplydCore
import ReplydDNS
import ReplydDelivery
import ReplydStore

extension Configuration {
    /// The delivery worker as configured, or nil in "hold" mode.
    func deliveryWorker(queue: any OutboundQueue, logger: Logger) throws -> DeliveryWorker? {
        let settings = delivery
        let mode: DeliveryRoute.Mode
        switch settings.mode {
        case .relay:
            mode = .relay(host: settings.relayHost, port: settings.relayPort, tls: Self.tlsMode(settings.relayTLS),
                          username: settings.username, password: settings.password)
        case .mx:
            mode = .mx(port: settings.mxPort, tls: Self.tlsMode(settings.mxTLS), resolver: try DNSResolver(server: settings.resolver, cache: DNSCache()))
        case .hold:
            return nil
        }
        let route = DeliveryRoute(
            mode: mode, heloName: settings.heloName.isEmpty ? server.hostname : settings.heloName, caFile: settings.caFile,
            connectTimeout: TimeAmount(settings.connectTimeout), commandTimeout: TimeAmount(settings.commandTimeout),
            dataTimeout: TimeAmount(settings.dataTimeout), connectionCacheTime: settings.connectionCacheTime,
            connectionReuseTime: settings.connectionReuseTime, maxCachedSessions: settings.concurrency)
        let deliverer = try Deliverer(route: route, logger: logger)
        let signer = try dkimSigner()
        return DeliveryWorker(
            queue: queue,
            options: .init(concurrency: settings.concurrency, perDestination: settings.perDestination, lease: settings.lease,
                           pollInterval: settings.pollInterval,
                           schedule: RetrySchedule(firstRetry: settings.firstRetry, maxInterval: settings.maxRetryInterval,
                                                   maxAge: settings.maxAge),
                           shutdownGrace: server.shutdownGrace),
            logger: logger,
            deliver: { item in
                // Signed at each attempt, just before it leaves, so t= is when it was sent.
                let signed: OutboundItem
                do {
                    signed = try signer.signed(item, at: Date())
                } catch {
                    return .temporary(host: nil, reason: "DKIM signing: \(error)")
                }
                return await deliverer.deliver(signed)
            },
            abort: { deliverer.abortAll() })
    }

    /// The `[[dkim.keys]]` read from their files; a key that cannot be used stops start-up.
    func dkimSigner() throws -> DKIMSigner {
        DKIMSigner(keys: try dkim.keys.map { try DKIMKey(domain: $0.domain, selector: $0.selector, file: $0.keyFile) })
    }

    static func tlsMode(_ policy: TLSPolicy) -> DeliveryRoute.TLSMode {
        switch policy {
        case .required: .required
        case .implicit: .implicit
        case .opportunistic: .opportunistic
        case .none: .none
        }
    }

    var dkimDescription: String {
        dkim.keys.isEmpty ? "off (no [[dkim.keys]]): mail leaves unsigned"
            : "signing as " + dkim.keys.map { "\($0.selector)._domainkey.\($0.domain)" }.joined(separator: ", ")
    }

    var deliveryDescription: String {
        switch delivery.mode {
        case .relay: "relay \(delivery.relayHost):\(delivery.relayPort) (TLS \(delivery.relayTLS.rawValue))"
        case .mx: "direct to MX (TLS \(delivery.mxTLS.rawValue)\(delivery.resolver.map { ", resolver \($0)" } ?? ""))"
        case .hold: "hold: replies are queued, not sent (set [delivery] mode)"
        }
    }
}
