import Foundation
import Testing
@testable import ReplydDelivery

@Suite struct SMTPClientCodecTests {
    @Test func readsSingleAndMultiLineReplies() throws {
        var reader = SMTPClientCodec.ReplyReader()
        #expect(try reader.feed("250-mx.example Hello") == nil)
        #expect(try reader.feed("250-PIPELINING") == nil)
        let ehlo = try #require(try reader.feed("250 SIZE 1000"))
        #expect(ehlo.code == 250)
        #expect(ehlo.lines == ["mx.example Hello", "PIPELINING", "SIZE 1000"])
        #expect(SMTPClientCodec.extensions(of: ehlo) == ["PIPELINING": "", "SIZE": "1000"])
        let enhanced = try #require(try reader.feed("550 5.1.1 user unknown"))
        #expect(enhanced.enhanced == "5.1.1")
        #expect(enhanced.lines == ["user unknown"])
        let bare = try #require(try reader.feed("220"))
        #expect(bare.code == 220)
    }

    @Test func rejectsMalformedReplies() {
        var reader = SMTPClientCodec.ReplyReader()
        #expect(throws: SMTPClientCodec.ReplyReader.Failure.self) { try reader.feed("hello") }
        #expect(throws: SMTPClientCodec.ReplyReader.Failure.self) { try reader.feed("999 nope") }
        var mixed = SMTPClientCodec.ReplyReader()
        _ = try? mixed.feed("250-a")
        #expect(throws: SMTPClientCodec.ReplyReader.Failure.self) { try mixed.feed("251 b") }
    }

    @Test func dotStuffsAndTerminates() {
        #expect(SMTPClientCodec.dataPayload(Array("a\r\n.b\r\n..\r\n.".utf8)) == Array("a\r\n..b\r\n...\r\n..\r\n.\r\n".utf8))
        #expect(SMTPClientCodec.dataPayload(Array("x\ny\n".utf8)) == Array("x\r\ny\r\n.\r\n".utf8))
        #expect(SMTPClientCodec.dataPayload([]) == Array(".\r\n".utf8))
    }
}

@Suite struct DNSMessageTests {
    /// A response for example.pl MX with name compression, as a real server sends it.
    static let response: [UInt8] = {
        var bytes: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0]
        bytes += [7] + Array("example".utf8) + [2] + Array("pl".utf8) + [0, 0, 15, 0, 1]
        // answer 1: pointer to name at 12, MX, IN, TTL, rdlength, pref 20, "mx2" + pointer
        bytes += [0xC0, 12, 0, 15, 0, 1, 0, 0, 0x0E, 0x10, 0, 8, 0, 20, 3] + Array("mx2".utf8) + [0xC0, 12]
        bytes += [0xC0, 12, 0, 15, 0, 1, 0, 0, 0x0E, 0x10, 0, 8, 0, 10, 3] + Array("mx1".utf8) + [0xC0, 12]
        return bytes
    }()

    @Test func parsesCompressedMXAnswers() throws {
        let parsed = try DNSMessage.parse(Self.response)
        #expect(parsed.id == 0x1234)
        #expect(parsed.responseCode == 0)
        #expect(parsed.mx == [.init(preference: 20, host: "mx2.example.pl"), .init(preference: 10, host: "mx1.example.pl")])
        #expect(DNSMessage.deliveryOrder(domain: "example.pl", mx: parsed.mx) == ["mx1.example.pl", "mx2.example.pl"])
    }

    @Test func implicitAndNullMX() {
        #expect(DNSMessage.deliveryOrder(domain: "example.pl", mx: []) == ["example.pl"])
        #expect(DNSMessage.deliveryOrder(domain: "example.pl", mx: [.init(preference: 0, host: "")]) == [])
    }

    @Test func buildsQueriesAndRejectsGarbage() throws {
        let query = DNSMessage.query(id: 7, name: "example.pl", type: .mx)
        #expect(query.prefix(4) == [0, 7, 1, 0])
        #expect(query.suffix(4) == [0, 15, 0, 1])
        #expect(throws: DNSMessage.Failure.self) { try DNSMessage.parse([1, 2, 3]) }
        // A pointer loop must not hang the parser.
        var loop: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12]
        loop += [0, 15, 0, 1]
        #expect(throws: DNSMessage.Failure.self) { try DNSMessage.parse(loop) }
    }
}
