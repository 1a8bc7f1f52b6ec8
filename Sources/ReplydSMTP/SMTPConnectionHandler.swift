#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import NIOCore
import NIOSSL
import NIOTLS
import ReplydCore

/// The network edge of one SMTP connection: frames lines, feeds the pure `SMTPSession`, writes its
/// replies, and carries out its effects (close, STARTTLS, commit).
///
/// A hand-written inbound handler rather than an async channel because STARTTLS needs byte-exact
/// control: input read before the handshake must be thrown away, never decrypted-and-trusted, and
/// reading must pause while a message is being committed so that pipelined commands wait for the 250.
final class SMTPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Environment: Sendable {
        var settings: SMTPSession.Settings
        var maxLineLength: Int
        var commandTimeout: TimeAmount
        var dataTimeout: TimeAmount
        var sslContext: NIOSSLContext?
        var directory: MailboxDirectory?
        var store: any InboundStore
        var clock: @Sendable () -> Date
        var logger: Logger
    }

    private let environment: Environment
    private var session: SMTPSession!
    private var buffer: ByteBuffer?
    private var discardingLongLine = false
    private var awaitingCommit = false
    private var shuttingDown = false
    private var timeout: Scheduled<Void>?
    private var logger: Logger

    init(environment: Environment) {
        self.environment = environment
        self.logger = environment.logger
    }

    func channelActive(context: ChannelHandlerContext) {
        let remote = context.channel.remoteAddress?.ipAddress ?? "unknown"
        logger[metadataKey: "remote"] = "\(remote)"
        var settings = environment.settings
        if let directory = environment.directory, !settings.recipients.catchAll {
            settings.recipients.mailboxes.formUnion(directory.snapshot)
        }
        session = SMTPSession(settings: settings, remoteAddress: remote)
        SMTPMetrics.connected()
        buffer = context.channel.allocator.buffer(capacity: 4096)
        write(session.greeting, context: context)
        context.flush()
        armTimeout(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
        if session?.isInData == true {
            logger.info("client disconnected during DATA; nothing stored")
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer?.writeBuffer(&incoming)
        process(context: context)
        // After processing: the phase (command or DATA) decides which time-out applies next.
        armTimeout(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            let version = (try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self))?.tlsVersion
            session.tlsEstablished(TLSInfo(version: version.map(Self.describe) ?? "TLS"))
            logger.debug("TLS established", metadata: ["version": "\(session.tls?.version ?? "?")"])
            armTimeout(context: context)
            // Anything that arrived with the handshake's last flight is now plaintext in our buffer.
            process(context: context)
        } else if let shutdown = event as? SMTPServer.ShutdownEvent {
            shuttingDown = true
            if !awaitingCommit && (shutdown.force || session.isIdle) { closeForShutdown(context: context) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // TLS garbage, resets: this connection ends, the server goes on.
        logger.info("connection error: \(error)")
        context.close(promise: nil)
    }

    // MARK: Framing

    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    private func process(context: ChannelHandlerContext) {
        guard var pending = buffer else { return }
        buffer = nil  // owned locally while processing; restored below
        defer {
            if buffer == nil {
                pending.discardReadBytes()
                buffer = pending
            }
        }
        let maxLine = environment.maxLineLength
        var wrote = false
        while !awaitingCommit, session.phase != .closed, pending.readableBytes > 0 {
            let found = pending.withUnsafeReadableBytes { bytes -> (lf: Int, crlf: Bool)? in
                guard let base = bytes.baseAddress, let hit = memchr(base, Int32(Self.lf), bytes.count) else { return nil }
                let offset = base.distance(to: UnsafeRawPointer(hit))
                return (offset, offset > 0 && bytes[offset - 1] == Self.cr)
            }
            guard let (lineLength, crlf) = found else {
                // No complete line. A line that cannot fit is discarded now rather than buffered.
                if pending.readableBytes >= maxLine {
                    if !discardingLongLine {
                        discardingLongLine = true
                        wrote = apply(session.lineTooLong(), context: context) || wrote
                    }
                    // Keep a trailing CR: it may pair with the LF of the next read.
                    let keep = pending.readableBytesView.last == Self.cr ? 1 : 0
                    pending.moveReaderIndex(forwardBy: pending.readableBytes - keep)
                }
                break
            }
            // lineLength excludes the LF.
            if discardingLongLine {
                discardingLongLine = false
                pending.moveReaderIndex(forwardBy: lineLength + 1)
                session.tooLongLineEnded(crlf: crlf)
                continue
            }
            if lineLength + 1 > maxLine {
                pending.moveReaderIndex(forwardBy: lineLength + 1)
                wrote = apply(session.lineTooLong(), context: context) || wrote
                session.tooLongLineEnded(crlf: crlf)
                continue
            }
            let output = pending.withUnsafeReadableBytes { bytes in
                session.receive(line: UnsafeRawBufferPointer(rebasing: bytes[0..<lineLength]), crlf: crlf)
            }
            pending.moveReaderIndex(forwardBy: lineLength + 1)
            if output == .none { continue }
            if case .startTLS = output.effect {
                // CVE-2011-0411: whatever followed STARTTLS in the same read arrived in clear text.
                if pending.readableBytes > 0 {
                    logger.notice("discarding \(pending.readableBytes) bytes pipelined after STARTTLS")
                    pending.moveReaderIndex(forwardBy: pending.readableBytes)
                }
            }
            wrote = apply(output, context: context) || wrote
        }
        if wrote { context.flush() }
        if shuttingDown && !awaitingCommit && session.isIdle && session.phase != .closed {
            closeForShutdown(context: context)
        }
    }

    /// Writes the reply and carries out the effect. Returns whether anything was written.
    @discardableResult
    private func apply(_ output: SMTPSession.Output, context: ChannelHandlerContext) -> Bool {
        if let reply = output.reply { write(reply, context: context) }
        if let reply = output.closingReply { write(reply, context: context) }
        switch output.effect {
        case nil:
            break
        case .close:
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .startTLS:
            startTLS(context: context)
        case .commit(let message):
            commit(message, context: context)
        }
        return output.reply != nil
    }

    private func write(_ reply: SMTPReply, context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: 64)
        out.writeString(reply.wire)
        SMTPMetrics.replied(reply)
        context.write(wrapOutboundOut(out), promise: nil)
    }

    // MARK: Effects

    private func startTLS(context: ChannelHandlerContext) {
        guard let sslContext = environment.sslContext else { return }
        // The 220 must leave in clear text: flush it before the TLS handler goes in front of us.
        context.flush()
        do {
            try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext), position: .first)
        } catch {
            logger.error("cannot start TLS: \(error)")
            context.close(promise: nil)
        }
    }

    private func commit(_ message: ReceivedMessage, context: ChannelHandlerContext) {
        awaitingCommit = true
        timeout?.cancel()
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        let store = environment.store
        let clock = environment.clock
        let promise = context.eventLoop.makePromise(of: Int64.self)
        promise.completeWithTask {
            try await store.recordInbound(InboundMessage(received: message, receivedAt: clock()))
        }
        let logger = self.logger
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.awaitingCommit = false
            let output: SMTPSession.Output
            switch result {
            case .success(let id):
                logger.info("accepted message", metadata: ["id": "\(id)", "from": "\(message.sender)",
                                                          "rcpts": "\(message.recipients.count)", "size": "\(message.data.count)"])
                output = self.session.committed(id: String(id))
                SMTPMetrics.accepted()
            case .failure(let error):
                logger.error("commit failed, answering 451: \(error)")
                output = self.session.commitFailed()
            }
            guard context.channel.isActive else { return }
            self.apply(output, context: context)
            context.flush()
            if self.shuttingDown {
                // The transaction this session was finishing is answered; now it ends.
                self.closeForShutdown(context: context)
                return
            }
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            self.armTimeout(context: context)
            self.process(context: context)
        }
    }

    private func closeForShutdown(context: ChannelHandlerContext) {
        guard session.phase != .closed else { return }
        session.close()
        apply(SMTPSession.Output(reply: SMTPReply(421, "4.3.2", "\(environment.settings.hostname) Service shutting down"), effect: .close),
              context: context)
    }

    private func armTimeout(context: ChannelHandlerContext) {
        timeout?.cancel()
        guard !awaitingCommit else { return }
        let amount = session.isInData ? environment.dataTimeout : environment.commandTimeout
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: amount) {
            self.logger.info("timeout")
            self.apply(self.session.timedOut(), context: context)
        }
    }

    static func describe(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLSv1"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }
}
