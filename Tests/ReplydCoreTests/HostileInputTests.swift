import Foundation
import Testing
@testable import ReplydCore

/// What an attacker at an MX can send, checked against the pure parts: the session's limits, the
/// senders no reply goes to, and the line limits of composed headers.
@Suite struct HostileInputTests {
    func driver(spoolThreshold: Int = .max, maxJunk: Int = 100, maxSize: Int = 100_000) -> Driver {
        var driver = Driver(maxSize: maxSize)
        driver.session = SMTPSession(
            settings: .init(hostname: "mx.example.test", maxMessageSize: maxSize, maxRecipients: 3, maxErrors: 5,
                            tlsAvailable: false, requireTLS: false,
                            recipients: RecipientPolicy(localDomains: ["example.test"], catchAll: true),
                            maxJunkCommands: maxJunk, spoolThreshold: spoolThreshold),
            remoteAddress: "192.0.2.1")
        return driver
    }

    @Test func messagePastTheThresholdIsHandedOutInChunksAndReassemblesExactly() {
        var d = driver(spoolThreshold: 100)
        d.transaction()
        var expected: [UInt8] = []
        for index in 0..<50 {
            let line = "line \(index) ........"
            #expect(d.send(line) == nil)
            expected += Array(line.utf8) + [13, 10]
        }
        #expect(d.send(".") == nil)
        var spooled: [UInt8] = []
        for case .spool(let chunk) in d.effects {
            #expect(chunk.count >= 100 && chunk.count < 130)
            spooled += chunk
        }
        #expect(spooled.count > 800)
        #expect(spooled + (d.committedMessage?.data ?? []) == expected)
    }

    @Test func oversizedMessageAfterSpoolingIsRefusedAndHandsOutNoMore() {
        var d = driver(spoolThreshold: 100, maxSize: 500)
        d.transaction()
        for _ in 0..<100 { d.send(String(repeating: "z", count: 20)) }
        let spools = d.effects.filter { if case .spool = $0 { true } else { false } }.count
        #expect(spools <= 5)
        #expect(d.send(".") == 552)
        #expect(d.committedMessage == nil)
    }

    @Test func junkCommandsPastTheLimitAreErrors() {
        var d = driver(maxJunk: 2)
        #expect(d.send("EHLO client.test") == 250)
        #expect(d.send("NOOP") == 250)
        #expect(d.send("RSET") == 250)
        let refused = d.sendReply("NOOP")
        #expect(refused?.code == 503 && refused?.enhanced == "5.7.0")
        #expect(d.send("HELP") == 503)
        // Mail still moves: MAIL is not junk.
        #expect(d.send("MAIL FROM:<a@sender.test>") == 250)
    }

    @Test func sizeThatOverflowsIsTooLargeNotBadSyntax() {
        var d = driver()
        #expect(d.send("EHLO client.test") == 250)
        #expect(d.send("MAIL FROM:<a@sender.test> SIZE=999999999999999999999999999999") == 552)
        #expect(d.send("MAIL FROM:<a@sender.test> SIZE=-1") == 501)
        #expect(d.send("MAIL FROM:<a@sender.test> SIZE=") == 501)
    }

    @Test(arguments: [
        ("v@[127.0.0.1]", true), ("v@[IPv6:::1]", true), ("v@localhost", true), ("v@mail.localhost", true),
        ("v@intranet", true), ("jan@firma.pl", false), ("a@client.test", false),
    ])
    func unroutableSenders(address: String, unroutable: Bool) {
        #expect((UnroutableSenders.reason(for: address) != nil) == unroutable, "\(address)")
    }

    @Test func vacationIsNotSentToUnroutableOrForgedLocalSenders() {
        let vacation = Vacation(mailbox: "alice@example.test", start: Date(timeIntervalSince1970: 0), message: "Away.")
        func decide(_ sender: String, unknownLocal: Bool = false) -> SuppressionReason? {
            let received = ReceivedMessage(reversePath: .mailbox(MailAddress(localPart: String(sender.split(separator: "@")[0]),
                                                                              domain: String(sender.split(separator: "@")[1]))),
                                           recipients: ["alice@example.test"], helo: "h", esmtp: true, remoteAddress: "192.0.2.1",
                                           tls: nil, body8bit: false, smtputf8: false,
                                           data: Array("To: alice@example.test\r\nSubject: hi\r\n\r\nbody\r\n".utf8))
            let message = InboundMessage(received: received, receivedAt: Date(timeIntervalSince1970: 100))
            return VacationPolicy.decide(message: message, recipient: "alice@example.test", vacation: vacation,
                                         facts: PolicyFacts(senderIsUnknownLocal: unknownLocal),
                                         site: SiteRules(organisationDomains: ["example.test"]), now: message.receivedAt).reason
        }
        #expect(decide("v@[127.0.0.1]") == .unroutableSender)
        #expect(decide("v@localhost") == .unroutableSender)
        #expect(decide("ghost@example.test", unknownLocal: true) == .unroutableSender)
        #expect(decide("jan@firma.pl") == nil)
    }

    @Test(arguments: [String(repeating: "x", count: 6000), String(repeating: "ż", count: 3000),
                      String(repeating: "a ", count: 3000), "e\u{301}" + String(repeating: "\u{301}", count: 500)])
    func composedHeaderLinesStayWithin78(value: String) {
        let header = MIMEEncoding.header("Subject", value)
        for line in header.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 78, "\(line.prefix(100))")
        }
        let address = MIMEEncoding.addressHeader("From", displayName: value, address: "a@example.test")
        for line in address.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 78, "\(line.prefix(100))")
        }
    }

    @Test func longSubjectIsCappedAt256CodePoints() {
        #expect(ReplyComposer.capped(String(repeating: "ż", count: 300)).unicodeScalars.count == 256)
        #expect(ReplyComposer.capped(String(repeating: "ż", count: 300)).hasSuffix("…"))
        #expect(ReplyComposer.capped("short") == "short")
    }

    @Test func messageIDsTooLongToQuoteAreDropped() {
        let long = "<" + String(repeating: "m", count: 300) + "@x.test>"
        #expect(ReplyComposer.messageIDTokens("\(long) <ok@x.test>") == ["<ok@x.test>"])
    }
}

@Suite struct ReplyLineTests {
    @Test func echoedClientTextCannotBreakAReplyLine() {
        var d = Driver()
        let reply = d.sendReply("EHLO a\rb\u{2}" + String(repeating: "h", count: 990))
        let wire = reply?.wire ?? ""
        for line in wire.components(separatedBy: "\r\n").dropLast() {
            #expect(line.utf8.count <= 512)
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 })
        }
        #expect(wire.hasPrefix("250-mx.example.test Hello a?b?hhh"))
    }
}

@Suite struct PhoneNumberHostileTests {
    @Test func digitsWithCombiningMarksAreNotDigits() {
        #expect(PhoneNumber.e164("600100200\u{306}", defaultCountryCode: "48") == nil)
        #expect(PhoneNumber.e164("+4860010020\u{306}0", defaultCountryCode: nil) == nil)
        #expect(PhoneNumber.e164("600100200", defaultCountryCode: "48") == "+48600100200")
    }
}

@Suite struct KeywordFoldTests {
    /// scripts/fuzz sms: "d\n" + U+031E folded to "D\n", which folded again to "D".
    @Test(arguments: ["d\n\u{31E}", " stop\u{301} ", "Żółw!", "STOP"])
    func foldIsIdempotent(text: String) {
        let folded = SMSKeywords.fold(text)
        #expect(SMSKeywords.fold(folded) == folded)
    }
}

@Suite struct ReviewRegressionTests {
    @Test func junkCountStartsAgainAfterEachMessage() {
        var d = HostileInputTests().driver(maxJunk: 2)
        #expect(d.send("EHLO client.test") == 250)
        #expect(d.send("NOOP") == 250)
        #expect(d.send("RSET") == 250)
        d.transaction(from: "a@sender.test")
        #expect(d.send("x") == nil)
        #expect(d.send(".") == nil)
        _ = d.session.committed(id: "1")
        #expect(d.send("NOOP") == 250)
        #expect(d.send("NOOP") == 250)
        #expect(d.send("NOOP") == 503)
    }

    @Test func aGraphemeTooBigForTheFirstLineIsSplitBetweenScalars() {
        let header = MIMEEncoding.header("Subject", "e" + String(repeating: "\u{301}", count: 20) + " tail")
        for line in header.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
    }

    @Test func replyLinesNeverCarryUnicodeLineBreaks() {
        #expect(!SMTPReply.safe("a\u{2028}b\u{85}c").unicodeScalars.contains { $0 == "\u{2028}" || $0 == "\u{85}" })
    }
}

@Suite struct MailParameterCrashTests {
    /// scripts/fuzz smtp-session: a parameter that is only "=" used to index an empty split.
    @Test(arguments: ["MAIL FROM:<a@b.test> =", "MAIL FROM:<a@b.test> =x", "MAIL FROM:<a@b.test> SIZE= ="])
    func parameterWithoutAKeyIsRefused(line: String) {
        var d = Driver()
        #expect(d.send("EHLO client.test") == 250)
        let code = d.send(line)
        #expect(code == 555 || code == 501)
    }
}
