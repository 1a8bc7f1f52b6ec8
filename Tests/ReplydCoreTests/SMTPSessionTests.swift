import Testing
@testable import ReplydCore

/// Drives a session with lines as the network edge would, collecting replies.
struct Driver {
    var session: SMTPSession
    var effects: [SMTPSession.Effect] = []

    init(maxSize: Int = 1000, maxRecipients: Int = 3, maxErrors: Int = 5, tls: Bool = true,
         requireTLS: Bool = false, catchAll: Bool = true, mailboxes: Set<String> = []) {
        session = SMTPSession(
            settings: .init(hostname: "mx.example.test", maxMessageSize: maxSize, maxRecipients: maxRecipients,
                            maxErrors: maxErrors, tlsAvailable: tls, requireTLS: requireTLS,
                            recipients: RecipientPolicy(localDomains: ["example.test"], catchAll: catchAll, mailboxes: mailboxes)),
            remoteAddress: "192.0.2.1")
    }

    /// Sends one line (CRLF-terminated unless `bareLF`) and returns the reply code, or nil.
    @discardableResult
    mutating func send(_ line: String, bareLF: Bool = false) -> Int? {
        sendReply(line, bareLF: bareLF)?.code
    }

    mutating func sendReply(_ line: String, bareLF: Bool = false) -> SMTPReply? {
        var bytes = Array(line.utf8)
        if !bareLF { bytes.append(13) }
        let output = session.receive(line: bytes[...], crlf: !bareLF)
        if let effect = output.effect { effects.append(effect) }
        return output.reply
    }

    mutating func sendBytes(_ bytes: [UInt8]) -> SMTPReply? {
        let output = session.receive(line: (bytes + [13])[...], crlf: true)
        if let effect = output.effect { effects.append(effect) }
        return output.reply
    }

    var committedMessage: ReceivedMessage? {
        for case .commit(let message) in effects.reversed() { return message }
        return nil
    }

    mutating func transaction(from: String = "a@sender.test", to: [String] = ["bob@example.test"]) {
        #expect(send("EHLO client.test") == 250)
        #expect(send("MAIL FROM:<\(from)>") == 250)
        for rcpt in to { #expect(send("RCPT TO:<\(rcpt)>") == 250) }
        #expect(send("DATA") == 354)
    }
}

@Suite struct SMTPSessionTests {
    @Test func greetingNamesHost() {
        let driver = Driver()
        #expect(driver.session.greeting.wire == "220 mx.example.test ESMTP replyd\r\n")
    }

    @Test func ehloAdvertisesExtensions() throws {
        var driver = Driver(maxSize: 12345)
        let replyOutput = driver.sendReply("EHLO client.test")
        let reply = try #require(replyOutput)
        #expect(reply.code == 250)
        #expect(reply.lines == ["mx.example.test Hello client.test", "PIPELINING", "SIZE 12345", "STARTTLS",
                                "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8"])
        #expect(reply.wire.hasPrefix("250-mx.example.test Hello client.test\r\n250-PIPELINING\r\n"))
        #expect(reply.wire.hasSuffix("250 SMTPUTF8\r\n"))
    }

    @Test func ehloWithoutTLSDoesNotOfferStartTLS() throws {
        var driver = Driver(tls: false)
        let replyOutput = driver.sendReply("EHLO c")
        let reply = try #require(replyOutput)
        #expect(!reply.lines.contains("STARTTLS"))
        #expect(driver.sendReply("STARTTLS")?.code == 454)
    }

    @Test func completeTransactionCommitsUnstuffedData() throws {
        var driver = Driver()
        driver.transaction(to: ["bob@example.test", "carol@example.test"])
        #expect(driver.send("Subject: hi") == nil)
        #expect(driver.send("") == nil)
        #expect(driver.send("..leading dot") == nil)
        #expect(driver.send("Zażółć") == nil)
        #expect(driver.send(".") == nil)
        let messageOutput = driver.committedMessage
        let message = try #require(messageOutput)
        #expect(message.sender == "a@sender.test")
        #expect(message.recipients == ["bob@example.test", "carol@example.test"])
        #expect(message.data == Array("Subject: hi\r\n\r\n.leading dot\r\nZażółć\r\n".utf8))
        #expect(message.helo == "client.test")
        #expect(driver.session.phase == .awaitingCommit)
        let reply = driver.session.committed(id: "42")
        #expect(reply.reply == SMTPReply(250, "2.0.0", "Ok: queued as 42"))
        // The transaction is over: DATA needs a new MAIL.
        #expect(driver.send("DATA") == 503)
        #expect(driver.send("MAIL FROM:<>") == 250)
    }

    @Test func commitFailureAnswers451AndResets() {
        var driver = Driver()
        driver.transaction()
        driver.send(".")
        let output = driver.session.commitFailed()
        #expect(output.reply?.code == 451)
        #expect(output.reply?.enhanced == "4.3.0")
        #expect(driver.send("RCPT TO:<bob@example.test>") == 503)
    }

    @Test func dotAfterBareLFIsData() throws {
        var driver = Driver()
        driver.transaction()
        #expect(driver.send("line one", bareLF: true) == nil)
        // "\n.\r\n" is not the end of data (SMTP smuggling).
        #expect(driver.send(".") == nil)
        #expect(driver.session.phase == .data)
        #expect(driver.send("smuggled", bareLF: true) == nil)
        #expect(driver.send(".", bareLF: true) == nil)  // "." ended by a bare LF is data too
        #expect(driver.send("tail") == nil)
        #expect(driver.send(".") == nil)
        let messageOutput = driver.committedMessage
        let message = try #require(messageOutput)
        #expect(message.data == Array("line one\r\n\r\nsmuggled\r\n\r\ntail\r\n".utf8))
    }

    @Test func sizeLimitIsExact() throws {
        // 8 bytes of content + CRLF = 10 bytes per line.
        var atLimit = Driver(maxSize: 20)
        atLimit.transaction()
        atLimit.send("12345678")
        atLimit.send("12345678")
        atLimit.send(".")
        #expect(atLimit.committedMessage?.data.count == 20)

        var over = Driver(maxSize: 19)
        over.transaction()
        over.send("12345678")
        over.send("12345678")
        let replyOutput = over.sendReply(".")
        let reply = try #require(replyOutput)
        #expect(reply.code == 552)
        #expect(reply.enhanced == "5.3.4")
        #expect(over.committedMessage == nil)
        #expect(over.session.phase == .command)
    }

    @Test func declaredSizeOverLimitRefusedAtMail() {
        var driver = Driver(maxSize: 100)
        driver.send("EHLO c")
        #expect(driver.send("MAIL FROM:<a@b.test> SIZE=101") == 552)
        #expect(driver.send("MAIL FROM:<a@b.test> SIZE=100") == 250)
    }

    @Test func commandsOutOfOrder() {
        var driver = Driver(maxErrors: 100)
        #expect(driver.send("MAIL FROM:<a@b.test>") == 503)
        #expect(driver.send("RCPT TO:<bob@example.test>") == 503)
        #expect(driver.send("DATA") == 503)
        driver.send("HELO c")
        #expect(driver.send("RCPT TO:<bob@example.test>") == 503)
        #expect(driver.send("MAIL FROM:<a@b.test>") == 250)
        #expect(driver.send("MAIL FROM:<a@b.test>") == 503)
        #expect(driver.send("DATA") == 503)
    }

    @Test func heloDoesNotAcceptESMTPParameters() {
        var driver = Driver()
        driver.send("HELO c")
        #expect(driver.send("MAIL FROM:<a@b.test> SIZE=10") == 555)
    }

    @Test func relayAndUnknownUsers() throws {
        var driver = Driver(maxRecipients: 10, catchAll: false, mailboxes: ["alice@example.test"])
        driver.send("EHLO c")
        driver.send("MAIL FROM:<a@b.test>")
        let relayOutput = driver.sendReply("RCPT TO:<x@elsewhere.test>")
        let relay = try #require(relayOutput)
        #expect(relay.code == 550)
        #expect(relay.enhanced == "5.7.1")
        let unknownOutput = driver.sendReply("RCPT TO:<bob@example.test>")
        let unknown = try #require(unknownOutput)
        #expect(unknown.code == 550)
        #expect(unknown.enhanced == "5.1.1")
        #expect(driver.send("RCPT TO:<Alice@EXAMPLE.test>") == 250)
        #expect(driver.send("RCPT TO:<alice+news@example.test>") == 250)
        #expect(driver.send("RCPT TO:<postmaster>") == 250)
        #expect(driver.send("RCPT TO:<postmaster@example.test>") == 250)
    }

    @Test func recipientLimitIsExactAndTemporary() throws {
        var driver = Driver(maxRecipients: 2)
        driver.send("EHLO c")
        driver.send("MAIL FROM:<a@b.test>")
        #expect(driver.send("RCPT TO:<a@example.test>") == 250)
        #expect(driver.send("RCPT TO:<b@example.test>") == 250)
        let replyOutput = driver.sendReply("RCPT TO:<c@example.test>")
        let reply = try #require(replyOutput)
        #expect(reply.code == 452)
        #expect(reply.enhanced == "4.5.3")
    }

    @Test func requireTLSRefusesMailInClear() {
        var driver = Driver(requireTLS: true)
        driver.send("EHLO c")
        #expect(driver.send("MAIL FROM:<a@b.test>") == 530)
        #expect(driver.send("STARTTLS") == 220)
        #expect(driver.effects.last == .startTLS)
        driver.session.tlsEstablished(TLSInfo(version: "TLSv1.3"))
        // State is reset by the handshake: EHLO again first.
        #expect(driver.send("MAIL FROM:<a@b.test>") == 503)
        let ehlo = driver.sendReply("EHLO c")
        #expect(ehlo?.lines.contains("STARTTLS") == false)
        #expect(driver.send("MAIL FROM:<a@b.test>") == 250)
        #expect(driver.send("STARTTLS") == 503)
    }

    @Test func tlsVersionTravelsWithTheMessage() throws {
        var driver = Driver()
        driver.send("EHLO c")
        driver.send("STARTTLS")
        driver.session.tlsEstablished(TLSInfo(version: "TLSv1.2"))
        driver.transaction()
        driver.send(".")
        #expect(driver.committedMessage?.tls?.version == "TLSv1.2")
    }

    @Test func tooManyErrorsCloses() {
        var driver = Driver(maxErrors: 3)
        #expect(driver.send("FOO") == 500)
        #expect(driver.send("RCPT TO:<a@example.test>") == 503)
        let output = driver.session.receive(line: Array("BAZ\r".utf8)[...], crlf: true)
        #expect(output.reply?.code == 500)
        #expect(output.closingReply?.code == 421)
        #expect(output.closingReply?.enhanced == "4.7.0")
        #expect(output.effect == .close)
        #expect(driver.session.phase == .closed)
    }

    @Test func longLineInCommandModeIsRejected() throws {
        var driver = Driver()
        let replyOutput = driver.session.lineTooLong().reply
        let reply = try #require(replyOutput)
        #expect(reply.code == 500)
        #expect(reply.enhanced == "5.5.2")
        driver.session.tooLongLineEnded(crlf: true)
        #expect(driver.send("NOOP") == 250)
    }

    @Test func longLineInDataRefusesMessageAtEnd() throws {
        var driver = Driver()
        driver.transaction()
        #expect(driver.session.lineTooLong().reply == nil)
        driver.session.tooLongLineEnded(crlf: true)
        let replyOutput = driver.sendReply(".")
        let reply = try #require(replyOutput)
        #expect(reply.code == 500)
        #expect(driver.committedMessage == nil)
        #expect(driver.send("NOOP") == 250)
    }

    @Test func invalidUTF8AndNULAreRejected() {
        var driver = Driver()
        let badUTF8 = driver.sendBytes([0x45, 0x48, 0x4C, 0x4F, 0x20, 0xFF])
        #expect(badUTF8?.code == 500)
        let nul = driver.sendBytes(Array("NOOP\0".utf8))
        #expect(nul?.code == 500)
    }

    @Test func nonASCIIAddressNeedsSMTPUTF8() {
        var driver = Driver()
        driver.send("EHLO c")
        #expect(driver.send("MAIL FROM:<zażółć@b.test>") == 553)
        #expect(driver.send("MAIL FROM:<zażółć@b.test> SMTPUTF8") == 250)
        #expect(driver.send("RCPT TO:<jaźń@example.test>") == 250)
    }

    @Test func nullSenderAndMiscCommands() throws {
        var driver = Driver()
        #expect(driver.send("EHLO c") == 250)
        #expect(driver.send("VRFY bob") == 252)
        #expect(driver.send("NOOP anything") == 250)
        #expect(driver.send("EXPN list") == 502)
        #expect(driver.send("AUTH PLAIN xx") == 502)
        #expect(driver.send("HELP") == 214)
        #expect(driver.send("MAIL FROM:<>") == 250)
        #expect(driver.send("RSET") == 250)
        #expect(driver.send("RCPT TO:<bob@example.test>") == 503)
        #expect(driver.send("QUIT") == 221)
        #expect(driver.effects.last == .close)
    }

    @Test func timeoutAnswers421() {
        var driver = Driver()
        let output = driver.session.timedOut()
        #expect(output.reply?.code == 421)
        #expect(output.reply?.enhanced == "4.4.2")
        #expect(output.effect == .close)
    }
}
