import Hummingbird
import Logging
import NIOCore

/// The HTTP side: `/healthz` and the SMS webhooks; the admin API is mounted here as it arrives.
enum HTTPServer {
    static func make(host: String, port: Int, logger: Logger, sms: SMSWebhooks,
                     onRunning: @escaping @Sendable (SocketAddress?) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        sms.register(on: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "replyd"),
            onServerRunning: { channel in onRunning(channel.localAddress) },
            logger: logger)
    }
}
