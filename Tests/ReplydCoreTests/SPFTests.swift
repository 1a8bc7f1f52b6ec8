import Foundation
@testable import ReplydCore
import ReplydTesting
import Testing

/// SPF pieces against RFC 7208's own examples, and check_host against a zone held in memory. (The
/// published conformance suite runs end to end, from a real DNS server: tests/e2e/test_spf_conformance.py.)
@Suite struct SPFTests {
    static let facts = SPFMacroString.Facts(sender: "strong-bad@email.example.com", domain: "email.example.com",
                                            ip: IPAddress("192.0.2.3")!, helo: "mx.example.org", receiver: "mx.example.test", timestamp: 0)

    @Test(arguments: [
        ("%{s}", "strong-bad@email.example.com"), ("%{o}", "email.example.com"), ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"), ("%{d3}", "email.example.com"), ("%{d2}", "example.com"), ("%{d1}", "com"),
        ("%{dr}", "com.example.email"), ("%{d2r}", "example.email"), ("%{l}", "strong-bad"), ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"), ("%{lr-}", "bad.strong"), ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
        ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
        ("%{L}%%%_%-", "strong-bad% %20"), ("%{S}", "strong-bad%40email.example.com"),
    ])
    func rfc7208MacroExamples(macro: String, expanded: String) throws {
        #expect(try SPFMacroString.parse(Substring(macro)).expand(Self.facts) == expanded)
    }

    @Test func ipv6MacroExample() throws {
        var facts = Self.facts
        facts.ip = IPAddress("2001:db8::cb01")!
        #expect(try SPFMacroString.parse("%{ir}.%{v}._spf.%{d2}").expand(facts)
                == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com")
        #expect(facts.ip.description == "2001:db8::cb01")
        #expect(IPAddress("::ffff:192.0.2.3") == IPAddress("192.0.2.3"))
    }

    @Test(arguments: ["%", "%{x}", "%{d0}", "%{c}", "%{d!}", "a b", "%{d"])
    func malformedMacros(text: String) {
        #expect(throws: SPFMacroString.Problem.self) { try SPFMacroString.parse(Substring(text)) }
    }

    @Test(arguments: [
        "v=spf1 ip4:1.2.3.4 -all moo", "v=spf1 moo.cow/far_out=man:dog/cat", "v=spf1 a:foo-bar", "v=spf1 ip4:1.2.3.4/33",
        "v=spf1 ip4:01.2.3.4", "v=spf1 redirect=a.example redirect=b.example", "v=spf1 all:x", "v=spf1 include",
        "v=spf1 a//129", "v=spf1 ptr/24", "v=spf1 exp=%{x}.example",
    ])
    func syntaxErrorsAnywhereAreFound(record: String) {
        #expect(throws: SPFRecord.SyntaxError.self) { try SPFRecord.parse(Array(record.utf8)) }
    }

    @Test func recordSelection() {
        #expect(SPFRecord.isSPF(Array("v=spf1".utf8)) && SPFRecord.isSPF(Array("V=SpF1 -all".utf8)))
        #expect(!SPFRecord.isSPF(Array("v=spf10".utf8)) && !SPFRecord.isSPF(Array("v=spf1-all".utf8)))
    }

    @Test func prefixes() {
        let client = IPAddress("192.0.2.130")!
        #expect(client.isIn(IPAddress("192.0.2.128")!, prefix: 25) && !client.isIn(IPAddress("192.0.2.0")!, prefix: 25))
        #expect(client.isIn(IPAddress("10.0.0.0")!, prefix: 0) && !client.isIn(IPAddress("2001:db8::")!, prefix: 0))
        #expect(IPAddress("2001:db8::1")!.isIn(IPAddress("2001:db8::")!, prefix: 32))
        #expect(IPAddress("1.2.3") == nil && IPAddress("1:2:3:4:5:6:7:8:9") == nil && IPAddress("1::2::3") == nil)
    }

    struct Zone: SPFResolver {
        var records: [String: [SPFQuery: [String]]]
        var broken: Set<String> = []
        func lookup(_ name: String, _ type: SPFQuery) async -> SPFAnswer {
            let key = name.lowercased()
            if broken.contains(key) { return .failure("timed out") }
            guard let entry = records[key] else { return .noSuchName }
            return .records((entry[type] ?? []).map { Array($0.utf8) })
        }
    }

    func check(_ zone: Zone, ip: String = "192.0.2.3", sender: String = "ewa@example.com", helo: String = "mx.example.com") async -> SPFResult {
        await SPFCheck(resolver: zone, receiver: "mx.example.test").check(ip: IPAddress(ip)!, sender: sender, helo: helo)
    }

    @Test func mechanismsIncludeAndRedirect() async {
        let zone = Zone(records: [
            "example.com": [.txt: ["v=spf1 include:_spf.example.net mx -all", "some other text"], .mx: ["mx.example.com"]],
            "_spf.example.net": [.txt: ["v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ~all"]],
            "mx.example.com": [.a: ["192.0.2.3"]],
            "child.example.com": [.txt: ["v=spf1 redirect=example.com"]],
            "exp.example.com": [.txt: ["v=spf1 -all exp=why.example.com"]],
            "why.example.com": [.txt: ["%{i} may not send for %{d}"]],
        ])
        #expect(await check(zone).code == .pass)
        #expect(await check(zone, ip: "198.51.100.7").code == .pass)
        #expect(await check(zone, ip: "2001:db8::5").code == .pass)
        let stranger = await check(zone, ip: "203.0.113.9")
        #expect(stranger.code == .fail && stranger.detail.contains("-all"))
        #expect(await check(zone, ip: "203.0.113.9", sender: "a@child.example.com").code == .fail)
        let explained = await check(zone, ip: "203.0.113.9", sender: "a@exp.example.com")
        #expect(explained.explanation == "203.0.113.9 may not send for exp.example.com")
        // The null sender: the HELO name is checked as postmaster@helo.
        let helo = await check(zone, sender: "", helo: "example.com")
        #expect(helo.code == .pass && helo.identity == .helo)
        #expect(await check(zone, sender: "a@nowhere.example").code == .none)
        #expect(await check(Zone(records: [:], broken: ["example.com"])).code == .temperror)
    }

    @Test func limits() async {
        // A chain of eleven includes: the eleventh DNS-querying term is a permerror.
        var records: [String: [SPFQuery: [String]]] = [:]
        for level in 0..<12 { records["l\(level).example.com"] = [.txt: ["v=spf1 include:l\(level + 1).example.com -all"]] }
        #expect(await check(Zone(records: records), sender: "a@l0.example.com").code == .permerror)
        // Three lookups that find nothing.
        let void = Zone(records: ["example.com": [.txt: ["v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com +all"]]])
        let result = await check(void)
        #expect(result.code == .permerror && result.detail.contains("found nothing"))
        let two = Zone(records: ["example.com": [.txt: ["v=spf1 a:n1.example.com a:n2.example.com +all"]]])
        #expect(await check(two).code == .pass)
        // Two records, an include of a domain with none.
        #expect(await check(Zone(records: ["example.com": [.txt: ["v=spf1 -all", "v=spf1 +all"]]])).code == .permerror)
        #expect(await check(Zone(records: ["example.com": [.txt: ["v=spf1 include:none.example.com -all"]], "none.example.com": [:]])).code == .permerror)
    }

    @Test func aSlowNameServerIsATemperrorInTime() async {
        struct Stuck: SPFResolver {
            func lookup(_ name: String, _ type: SPFQuery) async -> SPFAnswer {
                // Never answers (until cancelled): only the check's own limit can end it.
                try? await Task.sleep(for: .seconds(3600))
                return .noSuchName
            }
        }
        let result = await SPFCheck(resolver: Stuck()).checkWithin(.milliseconds(200), ip: IPAddress("192.0.2.1")!, sender: "a@example.com", helo: "h")
        #expect(result.code == .temperror && result.detail.contains("no result within"))
    }

    @Test func requirement() {
        let fail = SPFResult(code: .fail, identity: .mailfrom, domain: "example.com", detail: "")
        let neutral = SPFResult(code: .neutral, identity: .mailfrom, domain: "example.com", detail: "")
        #expect(SPFRequirement.off.refusal(fail) == nil)
        #expect(SPFRequirement.notFail.refusal(fail) != nil && SPFRequirement.notFail.refusal(neutral) == nil)
        for code in [SPFResult.Code.permerror, .temperror] {
            #expect(SPFRequirement.notFail.refusal(SPFResult(code: code, identity: .mailfrom, domain: "example.com", detail: "")) != nil)
        }
        for code in [SPFResult.Code.softfail, .none, .pass] {
            #expect(SPFRequirement.notFail.refusal(SPFResult(code: code, identity: .mailfrom, domain: "example.com", detail: "")) == nil)
        }
        #expect(SPFRequirement.pass.refusal(neutral) != nil && SPFRequirement.pass.refusal(nil) != nil)
    }

    @Test(arguments: ["v=spf1 ", "v=spf1 %{", "v=spf1 ip6:", "v=spf1 a:%{d}."])
    func recordParsingIsLinear(unit: String) async {
        let growth = await CPUCost.growth(input: { Array(("v=spf1 " + CPUCost.repeated(unit, toBytes: $0)).utf8) }) {
            _ = try? SPFRecord.parse($0)
        }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }
}

/// RFC 5321 4.4 trace fields, kept beside the bytes as received.
@Suite struct TraceFieldTests {
    @Test func receivedNamesTheClientTheHostAndTheProtocol() {
        let field = TraceFields.received(helo: "mail.client.test", remoteAddress: "192.0.2.7", by: "mx.example.test", esmtp: true,
                                         tlsVersion: "TLSv1.3", recipients: ["jan@example.test"], at: Date(timeIntervalSince1970: 0))
        #expect(field == "Received: from mail.client.test ([192.0.2.7])\r\n\tby mx.example.test (replyd) with ESMTPS (TLSv1.3)\r\n"
                + "\tfor <jan@example.test>;\r\n\tThu, 1 Jan 1970 00:00:00 +0000")
        let plain = TraceFields.received(helo: "x (fake) <y>;\r\nBcc: all", remoteAddress: "2001:db8::1", by: "mx", esmtp: false,
                                         tlsVersion: nil, recipients: ["a@b", "c@d"], at: Date(timeIntervalSince1970: 0))
        // The client's words cannot close the comment, add a field or name the other recipients.
        #expect(plain.hasPrefix("Received: from xfakeyBcc:all ([IPv6:2001:db8::1])\r\n\tby mx (replyd) with SMTP;\r\n"))
        #expect(!plain.contains("a@b") && plain.components(separatedBy: "\r\n").count == 3)
    }
}
