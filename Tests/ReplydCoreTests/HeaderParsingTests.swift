import Foundation
import Testing
@testable import ReplydCore

@Suite struct HeaderParsingTests {
    @Test func unfoldsAndKeepsOrder() {
        let raw = Array("From: Ann <ann@b.test>\r\nSubject: a long\r\n\tsubject line\r\nAuto-Submitted: no\r\nauto-submitted: auto-replied\r\n\r\nBody: not a header\r\n".utf8)
        let headers = HeaderFields.parse(raw)
        #expect(headers.fields.map(\.name) == ["From", "Subject", "Auto-Submitted", "auto-submitted"])
        #expect(headers.first("subject") == "a long\tsubject line")
        #expect(headers.values("AUTO-SUBMITTED") == ["no", "auto-replied"])
        #expect(headers.first("Body") == nil)
    }

    @Test func skipsMalformedLinesAndHandlesBareLF() {
        let raw = Array("garbage line\nX-A: 1\n: empty name\nX B: spaced name\nX-C : obsolete space\n\nbody".utf8)
        let headers = HeaderFields.parse(raw)
        #expect(headers.fields == [HeaderField(name: "X-A", value: "1"), HeaderField(name: "X-C", value: "obsolete space")])
    }

    @Test func messageWithoutBody() {
        #expect(HeaderFields.parse(Array("Subject: x".utf8)).first("Subject") == "x")
        #expect(HeaderFields.parse([]).fields.isEmpty)
    }

    @Test func decodesEncodedWords() {
        #expect(EncodedWords.decode("=?UTF-8?Q?Za=C5=BC=C3=B3=C5=82=C4=87_g=C4=99=C5=9Bl=C4=85?=") == "Zażółć gęślą")
        #expect(EncodedWords.decode("=?utf-8?B?WmHFvMOzxYLEhw==?= =?utf-8?B?IGrFug==?=") == "Zażółć jź")
        #expect(EncodedWords.decode("Re: =?ISO-8859-2?Q?=B1=E6?= done") == "Re: ąć done")
        #expect(EncodedWords.decode("=?windows-1250?Q?=9C?=") == "ś")
        #expect(EncodedWords.decode("plain text") == "plain text")
        // Undecodable words are left as they are.
        #expect(EncodedWords.decode("=?x-unknown?Q?abc?=") == "=?x-unknown?Q?abc?=")
        #expect(EncodedWords.decode("=?utf-8?Q?broken=Z?=") == "=?utf-8?Q?broken=Z?=")
        #expect(EncodedWords.decode("=?utf-8?B?WmE?=") == "Za")  // missing padding
    }

    @Test func inboundMessageExtractsPolicyHeaders() {
        let data = Array("""
            Message-ID: <m1@b.test>\r
            From: =?UTF-8?Q?Pawe=C5=82?= <p@b.test>\r
            To: bob@example.test\r
            Cc: carol@example.test\r
            Subject: =?UTF-8?Q?Urlop?=\r
            Precedence: bulk\r
            List-Id: <list.b.test>\r
            Auto-Submitted: auto-generated\r
            \r
            hi\r

            """.utf8)
        let received = ReceivedMessage(reversePath: .null, recipients: ["bob@example.test"], helo: "h", esmtp: true,
                                       remoteAddress: "192.0.2.1", tls: TLSInfo(version: "TLSv1.3"), body8bit: false,
                                       smtputf8: false, data: data)
        let message = InboundMessage(received: received, receivedAt: Date(timeIntervalSince1970: 0))
        #expect(message.envelopeSender == "")
        #expect(message.messageID == "<m1@b.test>")
        #expect(message.from == "Paweł <p@b.test>")
        #expect(message.to == "bob@example.test")
        #expect(message.cc == "carol@example.test")
        #expect(message.subject == "Urlop")
        #expect(message.precedence == "bulk")
        #expect(message.listID == "<list.b.test>")
        #expect(message.autoSubmitted == "auto-generated")
        #expect(message.tlsVersion == "TLSv1.3")
        #expect(message.size == data.count)
        #expect(message.raw == data)
    }
}

@Suite struct MailAddressTests {
    @Test func parsesAndLowercasesDomain() throws {
        let address = try MailAddress.parse("Ann.Lee@Example.TEST").get()
        #expect(address.localPart == "Ann.Lee")
        #expect(address.domain == "example.test")
        #expect(address.description == "Ann.Lee@example.test")
    }

    @Test func rejectsBadAddresses() {
        for bad in ["", "nodomain", "@example.test", "a@", "a..b@x.test", ".a@x.test", "a b@x.test", "a@x..test", "a@-x.test"] {
            #expect((try? MailAddress.parse(Substring(bad)).get()) == nil, "\(bad) should be rejected")
        }
    }

    @Test func acceptsLiteralsAndUTF8() throws {
        #expect(try MailAddress.parse("a@[192.0.2.1]").get().domain == "[192.0.2.1]")
        #expect(try MailAddress.parse("zażółć@przykład.pl").get().needsSMTPUTF8)
    }
}
