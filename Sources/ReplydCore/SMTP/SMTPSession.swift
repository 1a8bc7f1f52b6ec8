/// The server side of one SMTP connection as a pure state machine (RFC 5321, RFC 3207 STARTTLS,
/// RFC 1870 SIZE, RFC 2920 PIPELINING, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8, RFC 2034 enhanced codes).
///
/// The network edge frames lines and feeds them in; the session answers with at most one reply and
/// one effect per input, so nothing on the hot DATA path allocates per line. It never touches a
/// socket, a clock or the database: committing a message is an effect whose outcome is fed back.
public struct SMTPSession: Sendable {
    public struct Settings: Sendable, Equatable {
        public var hostname: String
        public var maxMessageSize: Int
        public var maxRecipients: Int
        /// After this many rejected commands the connection is closed (Postfix's hard error limit).
        public var maxErrors: Int
        public var tlsAvailable: Bool
        public var requireTLS: Bool
        public var recipients: RecipientPolicy
        /// NOOP, RSET, VRFY and HELP beyond this many are refused and count as errors (Postfix's junk
        /// command limit): without it a client could hold a session forever, one NOOP per time-out.
        public var maxJunkCommands: Int
        /// Message bytes held before they are handed to the edge in a `.spool` effect.
        public var spoolThreshold: Int

        public init(hostname: String, maxMessageSize: Int, maxRecipients: Int, maxErrors: Int,
                    tlsAvailable: Bool, requireTLS: Bool, recipients: RecipientPolicy,
                    maxJunkCommands: Int = 100, spoolThreshold: Int = .max) {
            self.hostname = hostname
            self.maxMessageSize = maxMessageSize
            self.maxRecipients = maxRecipients
            self.maxErrors = maxErrors
            self.tlsAvailable = tlsAvailable
            self.requireTLS = requireTLS
            self.recipients = recipients
            self.maxJunkCommands = maxJunkCommands
            self.spoolThreshold = spoolThreshold
        }
    }

    /// What the edge must do besides writing the reply.
    public enum Effect: Sendable, Equatable {
        case close
        /// Write the reply, discard any input already buffered (it arrived in clear text and must not
        /// be trusted after the handshake: CVE-2011-0411), then start the TLS handshake.
        case startTLS
        /// Commit the message durably, then feed `committed` or `commitFailed` back. When `.spool`
        /// effects came before it in this transaction, `data` holds only what followed them.
        case commit(ReceivedMessage)
        /// The message being received has passed `spoolThreshold`: keep these bytes outside memory
        /// (they come before whatever is handed over next). Nothing is answered.
        case spool([UInt8])
    }

    public struct Output: Sendable, Equatable {
        public var reply: SMTPReply?
        /// A second reply written after `reply`, before the effect (the 421 that ends a session
        /// after its last rejected command).
        public var closingReply: SMTPReply?
        public var effect: Effect?
        public static let none = Output(reply: nil, effect: nil)
        public init(reply: SMTPReply?, closingReply: SMTPReply? = nil, effect: Effect? = nil) {
            self.reply = reply
            self.closingReply = closingReply
            self.effect = effect
        }
    }

    public enum Phase: Sendable, Equatable {
        case command
        case data
        case awaitingCommit
        case closed
    }

    struct Transaction: Sendable {
        var reversePath: SMTPCommand.ReversePath
        var parameters: SMTPCommand.MailParameters
        var recipients: [String] = []
    }

    /// The message body being received after `354`.
    struct DataState: Sendable {
        var bytes: [UInt8] = []
        var size = 0
        var tooBig = false
        var lineTooLong = false
        /// RFC 5321 4.1.1.4: the end is CRLF "." CRLF; a "." after a bare LF is just data. The CRLF
        /// that ended the DATA command counts as the first one.
        var previousEndedWithCRLF = true
    }

    public let settings: Settings
    public let remoteAddress: String
    public private(set) var phase: Phase = .command
    public private(set) var tls: TLSInfo?
    private var helo: String?
    private var esmtp = false
    private var transaction: Transaction?
    private var data = DataState()
    private var errors = 0
    private var junkCommands = 0

    public init(settings: Settings, remoteAddress: String) {
        self.settings = settings
        self.remoteAddress = remoteAddress
    }

    public var greeting: SMTPReply {
        SMTPReply(220, nil, "\(settings.hostname) ESMTP replyd")
    }

    public var isInData: Bool { phase == .data }

    /// Between transactions: closing now loses nothing the client has started.
    public var isIdle: Bool { phase == .command && transaction == nil }

    /// In DATA: the envelope sender and HELO name an SPF check of this message is about.
    public var senderInData: (sender: String, helo: String)? {
        guard phase == .data, let transaction else { return nil }
        let sender: String = switch transaction.reversePath {
        case .null: ""
        case .mailbox(let address): address.description
        }
        return (sender, helo ?? "")
    }

    // MARK: Inputs

    /// One line, without its terminator. `crlf` tells whether it ended in CR LF or a bare LF.
    public mutating func receive(line: ArraySlice<UInt8>, crlf: Bool) -> Output {
        line.withUnsafeBytes { receive(line: $0, crlf: crlf) }
    }

    /// The same, straight from the network buffer: no copy per line on the DATA path.
    public mutating func receive(line: UnsafeRawBufferPointer, crlf: Bool) -> Output {
        switch phase {
        case .data:
            return receiveDataLine(line, crlf: crlf)
        case .command:
            return receiveCommand(line)
        case .awaitingCommit, .closed:
            // The edge stops reading while a commit is pending; anything here is a bug upstream.
            return .none
        }
    }

    /// A line longer than the limit began; its bytes were discarded. Call once per such line.
    public mutating func lineTooLong() -> Output {
        switch phase {
        case .data:
            data.lineTooLong = true
            return .none
        case .command:
            return reject(SMTPReply(500, "5.5.2", "Error: line too long"))
        case .awaitingCommit, .closed:
            return .none
        }
    }

    /// The end of an over-long line was reached (its terminator tells the CRLF state in DATA).
    public mutating func tooLongLineEnded(crlf: Bool) {
        if phase == .data { data.previousEndedWithCRLF = crlf }
    }

    public mutating func tlsEstablished(_ info: TLSInfo) {
        // RFC 3207 4.2: forget everything learned before the handshake; the client must EHLO again.
        tls = info
        helo = nil
        esmtp = false
        transaction = nil
        phase = .command
    }

    public mutating func committed(id: String) -> Output {
        guard phase == .awaitingCommit else { return .none }
        phase = .command
        transaction = nil
        // A session that moves mail may RSET and NOOP between messages as much as it likes.
        junkCommands = 0
        return Output(reply: SMTPReply(250, "2.0.0", "Ok: queued as \(id)"))
    }

    public mutating func commitFailed() -> Output {
        guard phase == .awaitingCommit else { return .none }
        phase = .command
        transaction = nil
        return Output(reply: SMTPReply(451, "4.3.0", "Error: local storage failure, try again later"))
    }

    /// The edge is closing the connection (shutdown); no further input is processed.
    public mutating func close() {
        phase = .closed
    }

    public mutating func timedOut() -> Output {
        phase = .closed
        return Output(reply: SMTPReply(421, "4.4.2", "\(settings.hostname) Error: timeout exceeded"), effect: .close)
    }

    // MARK: Commands

    /// Answers a bad command; after `maxErrors` of them the session ends (as Postfix's hard error
    /// limit: the command still gets its own reply, then 421).
    private mutating func reject(_ reply: SMTPReply) -> Output {
        errors += 1
        if errors >= settings.maxErrors {
            phase = .closed
            return Output(reply: reply, closingReply: SMTPReply(421, "4.7.0", "\(settings.hostname) Error: too many errors"),
                          effect: .close)
        }
        return Output(reply: reply)
    }

    private mutating func receiveCommand(_ bytes: UnsafeRawBufferPointer) -> Output {
        let line = bytes.last == UInt8(ascii: "\r") ? UnsafeRawBufferPointer(rebasing: bytes.dropLast()) : bytes
        // Commands are text; NUL and invalid UTF-8 are rejected rather than guessed at.
        guard !line.contains(0), let text = String(validating: line, as: UTF8.self) else {
            return reject(SMTPReply(500, "5.5.2", "Error: bad characters in command"))
        }
        switch SMTPCommandParser.parse(Substring(text)) {
        case .failure(let error):
            return reject(error.reply)
        case .success(let command):
            return execute(command)
        }
    }

    private mutating func execute(_ command: SMTPCommand) -> Output {
        switch command {
        case .ehlo(let name):
            helo = name
            esmtp = true
            transaction = nil
            return Output(reply: ehloReply(name))
        case .helo(let name):
            helo = name
            esmtp = false
            transaction = nil
            return Output(reply: SMTPReply(250, nil, settings.hostname))
        case .mail(let path, let parameters):
            return mail(path, parameters)
        case .rcpt(let path):
            return rcpt(path)
        case .data:
            return beginData()
        case .rset:
            if let refused = junk() { return refused }
            transaction = nil
            return Output(reply: .ok())
        case .noop:
            if let refused = junk() { return refused }
            return Output(reply: .ok())
        case .quit:
            phase = .closed
            return Output(reply: SMTPReply(221, "2.0.0", "Bye"), effect: .close)
        case .vrfy:
            if let refused = junk() { return refused }
            return Output(reply: SMTPReply(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"))
        case .expn:
            return reject(SMTPReply(502, "5.5.1", "Error: EXPN not supported"))
        case .help:
            if let refused = junk() { return refused }
            return Output(reply: SMTPReply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY STARTTLS"))
        case .auth, .bdat:
            return reject(SMTPReply(502, "5.5.1", "Error: command not implemented"))
        case .startTLS:
            if tls != nil { return reject(SMTPReply(503, "5.5.1", "Error: TLS already active")) }
            guard settings.tlsAvailable else { return reject(SMTPReply(454, "4.7.0", "TLS not available")) }
            return Output(reply: SMTPReply(220, "2.0.0", "Ready to start TLS"), effect: .startTLS)
        }
    }

    /// Counts a command that moves no mail; past the limit it is refused as an error.
    private mutating func junk() -> Output? {
        junkCommands += 1
        guard junkCommands > settings.maxJunkCommands else { return nil }
        return reject(SMTPReply(503, "5.7.0", "Error: too many commands that move no mail"))
    }

    private func ehloReply(_ name: String) -> SMTPReply {
        var lines = ["\(settings.hostname) Hello \(name)"]
        lines.append("PIPELINING")
        lines.append("SIZE \(settings.maxMessageSize)")
        if settings.tlsAvailable && tls == nil { lines.append("STARTTLS") }
        lines.append("ENHANCEDSTATUSCODES")
        lines.append("8BITMIME")
        lines.append("SMTPUTF8")
        // Enhanced codes are not used on the EHLO reply itself (RFC 2034 section 3).
        return SMTPReply(250, nil, lines)
    }

    private mutating func mail(_ path: SMTPCommand.ReversePath, _ parameters: SMTPCommand.MailParameters) -> Output {
        guard helo != nil else { return reject(SMTPReply(503, "5.5.1", "Error: send HELO/EHLO first")) }
        if settings.requireTLS && tls == nil {
            return reject(SMTPReply(530, "5.7.0", "Must issue a STARTTLS command first"))
        }
        guard transaction == nil else { return reject(SMTPReply(503, "5.5.1", "Error: nested MAIL command")) }
        if !esmtp && (parameters.size != nil || parameters.body8bit || parameters.smtputf8) {
            return reject(SMTPReply(555, "5.5.4", "MAIL parameters require EHLO"))
        }
        if let size = parameters.size, size > settings.maxMessageSize {
            return reject(SMTPReply(552, "5.3.4", "Message size exceeds fixed limit of \(settings.maxMessageSize) octets"))
        }
        if case .mailbox(let address) = path, address.needsSMTPUTF8, !parameters.smtputf8 {
            return reject(SMTPReply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8"))
        }
        transaction = Transaction(reversePath: path, parameters: parameters)
        return Output(reply: SMTPReply(250, "2.1.0", "Ok"))
    }

    private mutating func rcpt(_ path: SMTPCommand.ForwardPath) -> Output {
        guard transaction != nil else { return reject(SMTPReply(503, "5.5.1", "Error: need MAIL command")) }
        guard transaction!.recipients.count < settings.maxRecipients else {
            // RFC 5321 4.5.3.1.10: too many recipients is a temporary 452, the client retries the rest.
            return Output(reply: SMTPReply(452, "4.5.3", "Error: too many recipients"))
        }
        let address: String
        switch path {
        case .postmaster:
            address = "postmaster"
        case .mailbox(let mailbox):
            if mailbox.needsSMTPUTF8 && !transaction!.parameters.smtputf8 {
                return reject(SMTPReply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8"))
            }
            switch settings.recipients.verdict(for: mailbox) {
            case .relayDenied:
                return reject(SMTPReply(550, "5.7.1", "<\(mailbox)>: Relay access denied"))
            case .unknownUser:
                return reject(SMTPReply(550, "5.1.1", "<\(mailbox)>: Recipient address rejected: user unknown"))
            case .accept:
                address = mailbox.description
            }
        }
        transaction!.recipients.append(address)
        return Output(reply: SMTPReply(250, "2.1.5", "Ok"))
    }

    private mutating func beginData() -> Output {
        guard let transaction else { return reject(SMTPReply(503, "5.5.1", "Error: need MAIL command")) }
        guard !transaction.recipients.isEmpty else {
            return reject(SMTPReply(503, "5.5.1", "Error: need RCPT command"))
        }
        data = DataState()
        phase = .data
        return Output(reply: SMTPReply(354, nil, "End data with <CR><LF>.<CR><LF>"))
    }

    // MARK: DATA

    private static let dot = UInt8(ascii: ".")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    private mutating func receiveDataLine(_ raw: UnsafeRawBufferPointer, crlf: Bool) -> Output {
        // `raw` excludes the LF; with CRLF its last byte is the CR.
        let content = crlf ? UnsafeRawBufferPointer(rebasing: raw.dropLast()) : raw
        if crlf && data.previousEndedWithCRLF && content.count == 1 && content.first == Self.dot {
            return endData()
        }
        data.previousEndedWithCRLF = crlf
        // RFC 5321 4.5.2: a leading dot was doubled by the client.
        let line = content.first == Self.dot ? UnsafeRawBufferPointer(rebasing: content.dropFirst()) : content
        let added = line.count + 2
        data.size += added
        if data.size > settings.maxMessageSize {
            if !data.tooBig {
                data.tooBig = true
                data.bytes = []  // stop holding a message that will be refused anyway
            }
            return .none
        }
        // Lines ending in a bare LF are stored with CRLF, as Postfix's "normalize" mode does.
        data.bytes.append(contentsOf: line)
        data.bytes.append(Self.cr)
        data.bytes.append(Self.lf)
        if data.bytes.count >= settings.spoolThreshold {
            let chunk = data.bytes
            data.bytes = []
            return Output(reply: nil, effect: .spool(chunk))
        }
        return .none
    }

    private mutating func endData() -> Output {
        let state = data
        data = DataState()
        if state.tooBig {
            phase = .command
            transaction = nil
            return Output(reply: SMTPReply(552, "5.3.4", "Message size exceeds fixed limit of \(settings.maxMessageSize) octets"))
        }
        if state.lineTooLong {
            phase = .command
            transaction = nil
            return Output(reply: SMTPReply(500, "5.5.2", "Error: message contains a line longer than the limit"))
        }
        guard let transaction, let helo else {
            phase = .command
            return Output(reply: SMTPReply(451, "4.3.0", "Error: lost transaction state"))
        }
        phase = .awaitingCommit
        var message = ReceivedMessage(
            reversePath: transaction.reversePath,
            recipients: transaction.recipients,
            helo: helo,
            esmtp: esmtp,
            remoteAddress: remoteAddress,
            tls: tls,
            body8bit: transaction.parameters.body8bit,
            smtputf8: transaction.parameters.smtputf8,
            data: state.bytes
        )
        message.receivedBy = settings.hostname
        return Output(reply: nil, effect: .commit(message))
    }
}

/// The negotiated TLS session of a connection, as recorded with each message.
public struct TLSInfo: Sendable, Equatable {
    public var version: String
    public init(version: String) { self.version = version }
}

/// A message exactly as the SMTP transaction delivered it, before any parsing.
public struct ReceivedMessage: Sendable, Equatable {
    public var reversePath: SMTPCommand.ReversePath
    public var recipients: [String]
    public var helo: String
    public var esmtp: Bool
    public var remoteAddress: String
    public var tls: TLSInfo?
    public var body8bit: Bool
    public var smtputf8: Bool
    /// The message after dot-unstuffing, every line ending in CRLF.
    public var data: [UInt8]
    /// Filled in by the edge that checked it, before the message is committed.
    public var spf: SPFResult?
    /// The name of the host that accepted it (the session's).
    public var receivedBy: String?

    public init(reversePath: SMTPCommand.ReversePath, recipients: [String], helo: String, esmtp: Bool,
                remoteAddress: String, tls: TLSInfo?, body8bit: Bool, smtputf8: Bool, data: [UInt8]) {
        self.reversePath = reversePath
        self.recipients = recipients
        self.helo = helo
        self.esmtp = esmtp
        self.remoteAddress = remoteAddress
        self.tls = tls
        self.body8bit = body8bit
        self.smtputf8 = smtputf8
        self.data = data
    }

    public var sender: String {
        switch reversePath {
        case .null: return ""
        case .mailbox(let address): return address.description
        }
    }
}
