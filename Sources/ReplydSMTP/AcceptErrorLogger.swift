#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore

/// Sits on a listening socket and says why `accept` failed. Running out of file descriptors would
/// otherwise be silent: NIO backs off and retries, and clients just see no greeting.
final class AcceptErrorLogger: ChannelInboundHandler {
    typealias InboundIn = Any

    private let logger: Logger
    private let protocolName: String
    private var lastLogged: NIODeadline?

    init(logger: Logger, protocolName: String) {
        self.logger = logger
        self.protocolName = protocolName
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let exhausted = (error as? IOError).map { $0.errnoCode == EMFILE || $0.errnoCode == ENFILE } ?? false
        SMTPMetrics.acceptFailed(descriptorsExhausted: exhausted)
        // Once a second at most: under a flood every accept fails.
        let now = NIODeadline.now()
        if lastLogged.map({ now - $0 >= .seconds(1) }) ?? true {
            lastLogged = now
            if exhausted {
                logger.critical("\(protocolName): cannot accept connections: out of file descriptors (\(error)); lower the connection limits or raise `ulimit -n`")
            } else {
                logger.error("\(protocolName): accept failed: \(error)")
            }
        }
        context.fireErrorCaught(error)
    }
}
