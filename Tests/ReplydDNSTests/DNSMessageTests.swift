import Foundation
@testable import ReplydDNS
import Testing

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
        // Two pointers that point at each other, one step apart.
        var pingPong: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0xC0, 12]
        pingPong += [0, 15, 0, 1]
        #expect(throws: DNSMessage.Failure.self) { try DNSMessage.parse(pingPong) }
    }

    @Test func readsTXTWithSeveralStringsCNAMEAndPTR() throws {
        var bytes: [UInt8] = [0xAB, 0xCD, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0]
        bytes += [3] + Array("spf".utf8) + [4] + Array("test".utf8) + [0, 0, 16, 0, 1]
        // CNAME spf.test -> txt.test, then TXT at txt.test with two strings, then a PTR.
        bytes += [0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3] + Array("txt".utf8) + [0xC0, 16]
        let txt = [UInt8]("v=spf1 ".utf8), more = [UInt8]("-all".utf8)
        let txtRecord = bytes.count
        bytes += [0xC0, 38, 0, 16, 0, 1, 0, 0, 0, 60, 0, UInt8(2 + txt.count + more.count), UInt8(txt.count)] + txt + [UInt8(more.count)] + more
        bytes += [0xC0, 12, 0, 12, 0, 1, 0, 0, 0, 60, 0, 2, 0xC0, 16]
        let parsed = try DNSMessage.parse(bytes)
        #expect(parsed.question?.name == "spf.test" && parsed.question?.type == 16 && parsed.isResponse)
        #expect(parsed.names(.cname) == ["txt.test"])
        #expect(parsed.texts == [Array("v=spf1 -all".utf8)])
        #expect(parsed.names(.ptr) == ["test"])
        // A TXT string longer than its record is malformed, not read past.
        var bad = bytes
        bad[txtRecord + 12] = 200
        #expect(throws: DNSMessage.Failure.self) { try DNSMessage.parse(bad) }
    }
}

@Suite struct DNSCacheTests {
    final class Clock: @unchecked Sendable {
        var now = Date(timeIntervalSince1970: 1_000_000)
    }

    static func response(code: UInt8 = 0, ttl: UInt32 = 300, truncated: Bool = false, records: Int = 1) -> DNSMessage.Response {
        DNSMessage.Response(id: 1, responseCode: code, truncated: truncated, isResponse: true, question: ("a.test", 16),
                            answers: (0..<records).map { _ in .init(name: "a.test", type: 16, ttl: ttl, data: .text([Array("v=spf1".utf8)])) })
    }

    @Test func keepsAnswersForTheirTTLAndNegativeOnesBriefly() {
        let clock = Clock()
        let cache = DNSCache(now: { clock.now })
        cache.keep(Self.response(ttl: 300), for: "a.test", .txt)
        cache.keep(Self.response(code: 3, records: 0), for: "gone.test", .txt)
        cache.keep(Self.response(code: 2, records: 0), for: "broken.test", .txt)
        cache.keep(Self.response(truncated: true), for: "big.test", .txt)
        #expect(cache.answer("a.test", .txt)?.texts == [Array("v=spf1".utf8)])
        #expect(cache.answer("a.test", .a) == nil)
        #expect(cache.answer("gone.test", .txt)?.responseCode == 3)
        #expect(cache.answer("broken.test", .txt) == nil && cache.answer("big.test", .txt) == nil)
        clock.now += DNSCache.negativeTTL + 1
        #expect(cache.answer("gone.test", .txt) == nil && cache.answer("a.test", .txt) != nil)
        clock.now += 300
        #expect(cache.answer("a.test", .txt) == nil)
    }

    @Test func neverGrowsPastItsCapacity() {
        let cache = DNSCache(capacity: 10)
        for index in 0..<25 { cache.keep(Self.response(), for: "n\(index).test", .txt) }
        #expect((0..<25).filter { cache.answer("n\($0).test", .txt) != nil }.count <= 10)
        #expect(cache.answer("n24.test", .txt) != nil)
    }
}
