import Hummingbird
import Logging
import NIOCore
import ReplydAPI

/// The HTTP side: the web page at `/`, `/healthz`, `/metrics`, the SMS webhooks and the admin API.
enum HTTPServer {
    static func make(host: String, port: Int, limits: HTTPLimits, logger: Logger, sms: SMSWebhooks, api: AdminAPI, metrics: MetricsEndpoint,
                     onRunning: @escaping @Sendable (SocketAddress?) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        sms.register(on: router)
        api.register(on: router)
        metrics.register(on: router)
        WebPage.register(on: router)
        return Application(
            router: router,
            server: CappedHTTP1Channel.builder(limits),
            configuration: .init(address: .hostname(host, port: port), serverName: "replyd"),
            onServerRunning: { channel in onRunning(channel.localAddress) },
            logger: logger)
    }
}
