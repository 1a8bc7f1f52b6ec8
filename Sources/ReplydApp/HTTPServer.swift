import Hummingbird
import Logging
import NIOCore

/// The HTTP side: today `/healthz`; the SMS webhooks and admin API are mounted here as they arrive.
enum HTTPServer {
    static func make(host: String, port: Int, logger: Logger,
                     onRunning: @escaping @Sendable (SocketAddress?) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "replyd"),
            onServerRunning: { channel in onRunning(channel.localAddress) },
            logger: logger)
    }
}
