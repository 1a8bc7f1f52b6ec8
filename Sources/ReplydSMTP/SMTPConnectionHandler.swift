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
        /// Octets per second that earn DATA more time; 0: `dataTimeout` is the whole allowance.
        var minDataRate: Int
        var spoolDirectory: String
        var sslContext: NIOSSLContext?
        var directory: MailboxDirectory?
        var store: any InboundStore
        /// SPF for (client address, envelope sender, HELO name); nil: not checked.
        var checkSender: (@Sendable (_ ip: String, _ sender: String, _ helo: String) async -> SPFResult)?
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
    /// When the wait for the current command line, or the current DATA transfer, began. Deadlines
    /// run from here; reads that bring no complete line do not move it, so trickling gains nothing.
    private var waitStarted = NIODeadline.now()
    private var dataBytes = 0
    private var spool: MessageSpool?
    /// The SPF check of the message in DATA, started at 354 so its DNS questions overlap the
    /// transfer; the commit waits for it.
    private var senderCheck: Task<SPFResult, Never>?
    private var spoolFailed = false
    /// Whether the channel reads on its own (off while committing or while the client is not
    /// taking our replies).
    private var reading = true
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
        restartDeadline(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
        spool = nil
        senderCheck?.cancel()
        senderCheck = nil
        if session?.isInData == true {
            logger.info("client disconnected during DATA; nothing stored")
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After the closing reply, input is read only to be dropped (see `.close`).
        guard session.phase != .closed else { return }
        var incoming = unwrapInboundIn(data)
        buffer?.writeBuffer(&incoming)
        process(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            let version = (try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self))?.tlsVersion
            session.tlsEstablished(TLSInfo(version: version.map(Self.describe) ?? "TLS"))
            logger.debug("TLS established", metadata: ["version": "\(session.tls?.version ?? "?")"])
            restartDeadline(context: context)
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
        // A client that sends commands but never reads their replies would make us queue output
        // without bound: input waits while the socket is not writable.
        while !awaitingCommit, session.phase != .closed, pending.readableBytes > 0, context.channel.isWritable {
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
                    if session.isInData { dataBytes += pending.readableBytes - keep }
                    pending.moveReaderIndex(forwardBy: pending.readableBytes - keep)
                }
                break
            }
            // lineLength excludes the LF.
            let wasInData = session.isInData
            if wasInData { dataBytes += lineLength + 1 } else { waitStarted = context.eventLoop.now }
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
            if !wasInData, let (sender, helo) = session.senderInData, let checkSender = environment.checkSender {
                senderCheck?.cancel()
                let remote = session.remoteAddress
                senderCheck = Task { await checkSender(remote, sender, helo) }
            }
            // Entering or leaving DATA changes which deadline runs, and from when.
            if session.isInData != wasInData && session.phase != .awaitingCommit { restartDeadline(context: context) }
        }
        if wrote { context.flush() }
        updateReading(context: context)
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
            let plaintext = session.tls == nil
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).assumeIsolated().whenComplete { _ in
                guard plaintext else { return context.close(promise: nil) }
                // A lingering close, as Apache's: closing a socket with unread input (a client that
                // pipelined a message body behind a command we refused) makes the kernel send a
                // reset, and a reset can destroy the replies the client has not read yet, the 421
                // among them. So: end our side (FIN after the replies), drop what still arrives,
                // and close when the client does or the grace runs out.
                context.close(mode: .output, promise: nil)
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
                context.eventLoop.assumeIsolated().scheduleTask(in: Self.linger) { context.close(promise: nil) }
            }
            // A client that does not read keeps that write pending for ever: it gets a moment to
            // take the last reply, then the connection goes regardless.
            context.eventLoop.assumeIsolated().scheduleTask(in: Self.closeGrace) { context.close(promise: nil) }
        case .startTLS:
            startTLS(context: context)
        case .commit(let message):
            if spoolFailed {
                // Part of the message never reached the spool: it cannot be promised.
                discardSpool()
                return apply(session.commitFailed(), context: context) || output.reply != nil
            }
            commit(message, context: context)
        case .spool(let chunk):
            guard !spoolFailed else { break }
            do {
                if spool == nil { spool = try MessageSpool(directory: environment.spoolDirectory) }
                try spool!.append(chunk)
            } catch {
                logger.error("\(error); the message will be answered 451")
                spoolFailed = true
                spool = nil
            }
        }
        if session.phase == .command && (spool != nil || spoolFailed) {
            // The transaction ended without a commit (552, 500): its spooled bytes go.
            discardSpool()
        }
        return output.reply != nil
    }

    private func discardSpool() {
        spool = nil
        spoolFailed = false
    }

    static let closeGrace = TimeAmount.seconds(5)
    /// How long a closed session still takes (and drops) input so its last replies are read.
    static let linger = TimeAmount.seconds(2)

    /// Reads while nothing is being committed and the client takes our replies.
    private func updateReading(context: ChannelHandlerContext) {
        let wanted = !awaitingCommit && context.channel.isWritable
        guard wanted != reading else { return }
        reading = wanted
        context.channel.setOption(ChannelOptions.autoRead, value: wanted).whenComplete { _ in }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable && !awaitingCommit {
            updateReading(context: context)
            process(context: context)
        }
        context.fireChannelWritabilityChanged()
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
        updateReading(context: context)
        let store = environment.store
        let clock = environment.clock
        let spooled = spool
        spool = nil
        let check = senderCheck
        senderCheck = nil
        let promise = context.eventLoop.makePromise(of: Int64.self)
        // Reading back the spool, parsing and the reply engine run off the event loop.
        promise.completeWithTask {
            var message = message
            if let spooled { message.data = try spooled.contents(followedBy: message.data) }
            message.spf = await check?.value
            return try await store.recordInbound(InboundMessage(received: message, receivedAt: clock()))
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
            self.updateReading(context: context)
            self.restartDeadline(context: context)
            self.process(context: context)
        }
    }

    private func closeForShutdown(context: ChannelHandlerContext) {
        guard session.phase != .closed else { return }
        session.close()
        apply(SMTPSession.Output(reply: SMTPReply(421, "4.3.2", "\(environment.settings.hostname) Service shutting down"), effect: .close),
              context: context)
    }

    /// A new wait begins now (greeting, a new phase, a committed message, a TLS handshake).
    private func restartDeadline(context: ChannelHandlerContext) {
        waitStarted = context.eventLoop.now
        dataBytes = 0
        timeout?.cancel()
        timeout = nil
        schedule(context: context)
    }

    /// The deadline of the current wait. It only ever moves later between restarts (a later command
    /// start, more DATA received), so the timer checks it when it fires instead of being moved on
    /// every read.
    private var deadline: NIODeadline {
        guard session.isInData else { return waitStarted + environment.commandTimeout }
        var allowance = environment.dataTimeout
        if environment.minDataRate > 0 {
            // Only bytes a message can hold earn time: past the size limit (or in a discarded
            // over-long line) a client gains nothing. Clamped so that credited x 10^9 cannot overflow
            // whatever size a caller configures (the configuration file allows at most 2 GiB).
            let credited = min(Int64(min(dataBytes, environment.settings.maxMessageSize + environment.maxLineLength)),
                               Int64.max / 1_000_000_000)
            allowance = allowance + .nanoseconds(credited * 1_000_000_000 / Int64(environment.minDataRate))
        }
        return waitStarted + allowance
    }

    private func schedule(context: ChannelHandlerContext) {
        guard !awaitingCommit, session.phase != .closed else { return }
        timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timeout = nil
            guard !self.awaitingCommit, self.session.phase != .closed else { return }
            if context.eventLoop.now < self.deadline {
                self.schedule(context: context)
                return
            }
            self.logger.info("timeout", metadata: ["phase": "\(self.session.isInData ? "data" : "command")"])
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
