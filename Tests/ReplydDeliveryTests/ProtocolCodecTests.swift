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
