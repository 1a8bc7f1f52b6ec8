import Testing
@testable import ReplydCore

@Suite struct SMTPCommandParserTests {
    func parse(_ line: String) -> Result<SMTPCommand, SMTPSyntaxError> {
        SMTPCommandParser.parse(Substring(line))
    }

    func code(_ line: String) -> Int? {
        if case .failure(let error) = parse(line) { return error.reply.code }
        return nil
    }

    @Test func verbsAreCaseInsensitive() throws {
        #expect(try parse("ehlo Client.Test").get() == .ehlo("Client.Test"))
        #expect(try parse("QuIt").get() == .quit)
    }

    @Test func mailWithParameters() throws {
        guard case .mail(let path, let params) = try parse("MAIL FROM:<Ann@Example.ORG> SIZE=1234 BODY=8BITMIME SMTPUTF8").get() else {
            Issue.record("not a MAIL")
            return
        }
        #expect(path == .mailbox(MailAddress(localPart: "Ann", domain: "example.org")))
        #expect(params.size == 1234)
        #expect(params.body8bit)
        #expect(params.smtputf8)
    }

    @Test func toleratesSpaceAfterColonAndSourceRoutes() throws {
        #expect(try parse("MAIL FROM: <a@b.test>").get() == .mail(.mailbox(MailAddress(localPart: "a", domain: "b.test")), .init()))
        #expect(try parse("RCPT TO:<@relay.test,@other.test:bob@example.test>").get()
                == .rcpt(.mailbox(MailAddress(localPart: "bob", domain: "example.test"))))
    }

    @Test func nullSenderAndPostmaster() throws {
        #expect(try parse("MAIL FROM:<>").get() == .mail(.null, .init()))
        #expect(try parse("RCPT TO:<Postmaster>").get() == .rcpt(.postmaster))
    }

    @Test func quotedLocalPartMayContainBrackets() throws {
        #expect(try parse("MAIL FROM:<\"odd>name\"@b.test>").get()
                == .mail(.mailbox(MailAddress(localPart: "\"odd>name\"", domain: "b.test")), .init()))
    }

    @Test func syntaxErrors() {
        #expect(code("MAIL FROM:a@b.test") == 501)       // no brackets
        #expect(code("MAIL TO:<a@b.test>") == 501)
        #expect(code("MAIL FROM:<a@b.test> SIZE=x") == 501)
        #expect(code("MAIL FROM:<a@b.test> FOO=1") == 555)
        #expect(code("MAIL FROM:<no-at-sign>") == 553)
        #expect(code("MAIL FROM:<a@-bad-.test>") == 553)
        #expect(code("RCPT TO:<a..b@example.test>") == 501)
        #expect(code("RCPT TO:<bob@example.test> NOTIFY=NEVER") == 555)
        #expect(code("EHLO") == 501)
        #expect(code("DATA now") == 501)
        #expect(code("STARTTLS x") == 501)
        #expect(code("VRFY") == 501)
        #expect(code("XYZZY") == 500)
        #expect(code("") == 500)
    }

    @Test func addressLengthLimits() {
        let longLocal = String(repeating: "a", count: 65)
        #expect(code("RCPT TO:<\(longLocal)@example.test>") == 501)
        let okLocal = String(repeating: "a", count: 64)
        #expect(code("RCPT TO:<\(okLocal)@example.test>") == nil)
    }
}
