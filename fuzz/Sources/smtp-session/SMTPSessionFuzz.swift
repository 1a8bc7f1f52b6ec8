// The input is what a client sends on one connection: it is framed into lines the way
// SMTPConnectionHandler frames them and fed to two sessions, one lenient and one with every limit
// small, so both the happy path and the refusals are reachable from the same transcript.
import FuzzSupport
import ReplydCore

private let maxLineLength = 1000  // smtp.max_line_length default, the edge's limit
private let maxReplyLine = 512    // RFC 5321 4.5.3.1.5, reply line including CRLF

private let lenient = SMTPSession.Settings(
    hostname: "mx.example.test", maxMessageSize: 10_000_000, maxRecipients: 100, maxErrors: 20,
    tlsAvailable: true, requireTLS: false,
    recipients: RecipientPolicy(localDomains: ["example.test"], catchAll: true))

private let strict = SMTPSession.Settings(
    hostname: "mx.example.test", maxMessageSize: 300, maxRecipients: 2, maxErrors: 3,
    tlsAvailable: true, requireTLS: true,
    recipients: RecipientPolicy(localDomains: ["example.test", "[192.0.2.1]"], catchAll: false,
                                mailboxes: ["jan@example.test"]),
    maxJunkCommands: 3, spoolThreshold: 64)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    // The bytes after the last LF are not a line yet; the connection ends with them unread.
    let complete = lines.dropLast()
    for settings in [lenient, strict] { run(settings, complete) }
    for line in complete where line.count < maxLineLength { parseCommand(line) }
    return 0
}

private func run(_ settings: SMTPSession.Settings, _ lines: ArraySlice<Slice<UnsafeBufferPointer<UInt8>>>) {
    var session = SMTPSession(settings: settings, remoteAddress: "192.0.2.9")
    check(session.greeting)
    var spooled = 0
    for line in lines {
        let crlf = line.last == UInt8(ascii: "\r")
        let wasInData = session.isInData
        var output: SMTPSession.Output
        if line.count + 1 > maxLineLength {
            output = session.lineTooLong()
            session.tooLongLineEnded(crlf: crlf)
            invariant(wasInData ? output.reply == nil : output.reply?.code == 500, "over-long line answered wrongly")
        } else {
            output = session.receive(line: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: line)), crlf: crlf)
        }
        check(output)
        if wasInData {
            if case .spool(let chunk) = output.effect { spooled += chunk.count }
            if case .commit(let message) = output.effect {
                invariant(output.reply == nil, "a commit is answered only after it is done")
                check(message, settings, spooled: spooled)
                _ = InboundMessage(received: message, receivedAt: .init(timeIntervalSince1970: 0))
                output = session.committed(id: "fuzz")
                invariant(output.reply?.code == 250, "committed message not answered 250")
                spooled = 0
            } else if output.reply != nil {
                invariant(!session.isInData, "a reply in the middle of DATA")
                spooled = 0
            } else {
                invariant(session.isInData, "DATA ended without a reply")
            }
        } else {
            // RFC 5321: every command gets exactly one reply (plus the 421 that may close the session).
            invariant(output.reply != nil, "a command was not answered")
            if case .startTLS = output.effect {
                invariant(output.reply?.code == 220 && session.tls == nil, "STARTTLS granted twice")
                session.tlsEstablished(TLSInfo(version: "TLSv1.3"))
            }
            if session.tls != nil, let reply = output.reply, reply.code == 250, reply.lines.count > 1 {
                invariant(!reply.lines.contains("STARTTLS"), "STARTTLS offered inside TLS")
            }
        }
        if case .close = output.effect {
            invariant(session.receive(line: Array("NOOP\r".utf8)[...], crlf: true) == .none, "input read after close")
            return
        }
    }
}

private func check(_ output: SMTPSession.Output) {
    if let reply = output.reply { check(reply) }
    if let closing = output.closingReply {
        check(closing)
        invariant(output.reply != nil && closing.code == 421, "closing reply without its command's reply")
        if case .close = output.effect {} else { fatalError("closing reply without closing") }
    }
}

private func check(_ reply: SMTPReply) {
    invariant((200...599).contains(reply.code), "reply code \(reply.code)")
    if let enhanced = reply.enhanced {
        // RFC 3463: the class digit of the enhanced code is the reply's.
        invariant(enhanced.first == String(reply.code).first, "\(reply.code) with enhanced code \(enhanced)")
    }
    // What goes on the wire: text the client sent may be echoed, and is made safe there.
    let wireLines = reply.wire.utf8.split(separator: 10, omittingEmptySubsequences: false).dropLast()
    invariant(wireLines.count == reply.lines.count, "line break inside a reply line")
    for line in wireLines {
        invariant(line.last == 13, "reply line not ended by CRLF")
        invariant(line.count + 1 <= maxReplyLine, "reply line of \(line.count + 1) octets")
        invariant(!line.dropLast().contains(13), "CR inside a reply line")
    }
}

private func check(_ message: ReceivedMessage, _ settings: SMTPSession.Settings, spooled: Int) {
    invariant(spooled + message.data.count <= settings.maxMessageSize, "message over the size limit accepted")
    invariant((1...settings.maxRecipients).contains(message.recipients.count), "\(message.recipients.count) recipients")
    invariant(!settings.requireTLS || message.tls != nil, "message accepted without required TLS")
    // Stored lines all end in CRLF (a bare LF is normalised), so no LF stands alone.
    var previous: UInt8 = 0
    for byte in message.data {
        invariant(byte != UInt8(ascii: "\n") || previous == UInt8(ascii: "\r"), "bare LF in stored message")
        previous = byte
    }
    invariant(message.data.isEmpty || previous == UInt8(ascii: "\n"), "stored message does not end in CRLF")
    for recipient in message.recipients where recipient != "postmaster" {
        guard case .success(let address) = MailAddress.parse(Substring(recipient)) else {
            fatalError("accepted recipient \(recipient) does not parse again")
        }
        invariant(settings.recipients.verdict(for: address) == .accept, "recipient \(recipient) accepted against policy")
    }
}

private func parseCommand(_ line: Slice<UnsafeBufferPointer<UInt8>>) {
    let bytes = line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...]
    guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else { return }
    switch SMTPCommandParser.parse(Substring(text)) {
    case .failure(let error):
        invariant((500...599).contains(error.reply.code), "syntax error answered \(error.reply.code)")
        check(error.reply)
    case .success(.ehlo(let name)), .success(.helo(let name)):
        invariant(!name.isEmpty && !name.contains(" "), "bad HELO name accepted")
    case .success(.mail(.mailbox(let address), _)), .success(.rcpt(.mailbox(let address))):
        invariant(MailAddress.parse(Substring(address.description)) == .success(address),
                  "\(address) does not parse to itself")
    case .success:
        break
    }
}
