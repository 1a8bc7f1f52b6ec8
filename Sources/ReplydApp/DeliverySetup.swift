import Logging
import NIOCore
import ReplydConfig
import ReplydCore
import ReplydDelivery
import ReplydStore

extension Configuration {
    /// The delivery worker as configured, or nil in "hold" mode.
    func deliveryWorker(queue: any OutboundQueue, logger: Logger) throws -> DeliveryWorker? {
        let settings = delivery
        let tls: (String) -> DeliveryRoute.TLSMode = { DeliveryRoute.TLSMode(rawValue: $0) ?? .required }
        let mode: DeliveryRoute.Mode
        switch settings.mode {
        case "relay":
            mode = .relay(host: settings.relayHost, port: settings.relayPort, tls: tls(settings.relayTLS),
                          username: settings.username, password: settings.password)
        case "mx":
            mode = .mx(port: settings.mxPort, tls: tls(settings.mxTLS), resolver: try DNSResolver(server: settings.resolver))
        default:
            return nil
        }
        let route = DeliveryRoute(
            mode: mode, heloName: settings.heloName.isEmpty ? server.hostname : settings.heloName, caFile: settings.caFile,
            connectTimeout: TimeAmount(settings.connectTimeout), commandTimeout: TimeAmount(settings.commandTimeout),
            dataTimeout: TimeAmount(settings.dataTimeout))
        let deliverer = try Deliverer(route: route, logger: logger)
        return DeliveryWorker(
            queue: queue,
            options: .init(concurrency: settings.concurrency, perDestination: settings.perDestination, lease: settings.lease,
                           pollInterval: settings.pollInterval,
                           schedule: RetrySchedule(firstRetry: settings.firstRetry, maxInterval: settings.maxRetryInterval,
                                                   maxAge: settings.maxAge),
                           shutdownGrace: server.shutdownGrace),
            logger: logger,
            deliver: { await deliverer.deliver($0) },
            abort: { deliverer.abortAll() })
    }

    var deliveryDescription: String {
        switch delivery.mode {
        case "relay": "relay \(delivery.relayHost):\(delivery.relayPort) (TLS \(delivery.relayTLS))"
        case "mx": "direct to MX (TLS \(delivery.mxTLS)\(delivery.resolver.map { ", resolver \($0)" } ?? ""))"
        default: "hold: replies are queued, not sent (set [delivery] mode)"
        }
    }
}
