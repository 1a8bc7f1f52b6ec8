import Crypto
import _CryptoExtras
import Foundation
import ReplydCore
@testable import ReplydDelivery
import ReplydTesting
import Testing

/// DKIM canonicalisation against RFC 6376's own examples, and signatures checked with the public key.
/// (An independent verifier, dkimpy, checks what replyd sends in tests/e2e/test_dkim.py.)
@Suite struct DKIMTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func rfc6376Example() {
        // RFC 6376 3.4.5.
        let message = Array("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n".utf8)
        let parts = DKIMCanonicalization.split(message)
        #expect(parts.fields.map { text(DKIMCanonicalization.relaxedHeader($0)) } == ["a:X\r\n", "b:Y Z\r\n"])
        #expect(text(DKIMCanonicalization.relaxedBody(parts.body)) == " C\r\nD E\r\n")
    }

    @Test(arguments: [
        ("", ""),
        ("\r\n\r\n\r\n", ""),
        ("no line break at the end", "no line break at the end\r\n"),
        ("bare\nline feeds\n\n", "bare\r\nline feeds\r\n"),
        ("a\r\n\r\n\r\nb \r\n \r\n", "a\r\n\r\n\r\nb\r\n"),
        ("tab\there  and\t \tthere", "tab here and there\r\n"),
    ])
    func relaxedBody(body: String, canonical: String) {
        #expect(text(DKIMCanonicalization.relaxedBody(ArraySlice(body.utf8))) == canonical)
    }

    @Test func headersArePickedFromTheBottomAndOversignedNamesAddNothing() {
        let parts = DKIMCanonicalization.split(Array("Received: 1\r\nX: top\r\nReceived: 2\r\nx: bottom\r\n\r\nbody".utf8))
        let picked = DKIMCanonicalization.selected(["x", "x", "x", "received"], from: parts.fields)
        #expect(picked.map { text(DKIMCanonicalization.relaxedHeader($0)) } == ["x:bottom\r\n", "x:top\r\n", "received:2\r\n"])
    }

    static let message = Array("""
        From: =?UTF-8?Q?Jan_Kowalski?= <jan@sales.example.test>\r
        To: Ewa <ewa@klient.test>\r
        Subject: =?UTF-8?Q?Nieobecno=C5=9B=C4=87?=\r
        Date: Thu, 03 Dec 2026 10:00:00 +0000\r
        Message-ID: <1@sales.example.test>\r
        X-Not-Signed: anything\r
        \r
        Jestem na urlopie.  \r
        \r
        \r

        """.utf8)

    @Test(arguments: DKIMKey.Algorithm.allCases)
    func signatureVerifiesWithThePublishedKey(algorithm: DKIMKey.Algorithm) throws {
        let (key, _) = try DKIMKey.generate(domain: "Example.TEST", selector: "s1", algorithm: algorithm)
        let signer = DKIMSigner(keys: [key])
        let signed = try signer.sign(Self.message, at: Date(timeIntervalSince1970: 1_796_000_000))
        #expect(signed.count > Self.message.count && Array(signed.suffix(Self.message.count)) == Self.message)

        let parts = DKIMCanonicalization.split(signed)
        let field = try #require(parts.fields.first)
        let tags = Self.tags(of: field)
        #expect(tags["v"] == "1" && tags["a"] == algorithm.rawValue && tags["c"] == "relaxed/relaxed")
        #expect(tags["d"] == "example.test" && tags["s"] == "s1" && tags["t"] == "1796000000")
        #expect(tags["h"] == "from:from:reply-to:to:to:subject:subject:date:date:message-id:message-id")
        #expect(Data(base64Encoded: tags["bh"]!) == Data(SHA256.hash(data: Array("Jestem na urlopie.\r\n".utf8))))
        #expect(text(Array(field)).split(separator: "\r\n").allSatisfy { $0.count <= 78 })

        // The signed data as a verifier rebuilds it: the h= fields, then this field without b='s value.
        var data: [UInt8] = []
        for header in DKIMCanonicalization.selected(tags["h"]!.split(separator: ":").map(String.init), from: Array(parts.fields.dropFirst())) {
            data += DKIMCanonicalization.relaxedHeader(header)
        }
        let withoutB = text(Array(field)).replacingOccurrences(of: #"b=[A-Za-z0-9+/=\r\n\t ]+$"#, with: "b=", options: .regularExpression)
        data += DKIMCanonicalization.relaxedHeader(ArraySlice(withoutB.utf8)).dropLast(2)
        let signature = try #require(Data(base64Encoded: tags["b"]!))
        let record = key.dnsRecord
        let publicKey = try #require(Data(base64Encoded: String(record[record.range(of: "p=")!.upperBound...])))
        let digest = SHA256.hash(data: data)
        switch algorithm {
        case .rsaSHA256:
            let rsa = try _RSA.Signing.PublicKey(derRepresentation: publicKey)
            #expect(rsa.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5))
            #expect(!rsa.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: data + [0]),
                                          padding: .insecurePKCS1v1_5))
        case .ed25519SHA256:
            let ed = try Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
            #expect(ed.isValidSignature(signature, for: Array(digest)))
            #expect(!ed.isValidSignature(signature, for: Array(SHA256.hash(data: data + [0]))))
        }
    }

    @Test func theFromDomainOrItsParentChoosesTheKeys() throws {
        let (parent, _) = try DKIMKey.generate(domain: "example.test", selector: "p", algorithm: .ed25519SHA256)
        let (other, _) = try DKIMKey.generate(domain: "other.test", selector: "o", algorithm: .ed25519SHA256)
        let signer = DKIMSigner(keys: [parent, other])
        #expect(signer.keys(forFrom: Self.message).map(\.selector) == ["p"])
        #expect(signer.keys(forFrom: Array("From: a@unrelated.test\r\n\r\nx".utf8)).isEmpty)
        #expect(signer.keys(forFrom: Array("From: a@test\r\n\r\nx".utf8)).isEmpty)
        let unsigned = Array("From: a@unrelated.test\r\n\r\nx".utf8)
        #expect(try signer.sign(unsigned, at: Date()) == unsigned)
    }

    @Test func keysThatCannotSignAreRefused() throws {
        let (_, pem) = try DKIMKey.generate(domain: "example.test", selector: "s", algorithm: .rsaSHA256)
        #expect(try DKIMKey(domain: "example.test", selector: "s", pem: pem).algorithm == .rsaSHA256)
        #expect(throws: DKIMKey.Problem.self) { try DKIMKey(domain: "example.test", selector: "s", pem: "not a key") }
        let weak = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        let problem = #expect(throws: DKIMKey.Problem.self) { try DKIMKey(domain: "example.test", selector: "s", pem: weak.pemRepresentation) }
        #expect(problem?.description.contains("1024 bits") == true)
        #expect(throws: DKIMKey.Problem.self) { try DKIMKey(domain: "example.test", selector: "s", file: "/nonexistent/dkim.key") }
    }

    @Test(arguments: ["X-A: b\r\n", " folded\r\n", "Subject: \t \t\r\n"])
    func signingIsLinearInTheHeader(unit: String) async throws {
        let (key, _) = try DKIMKey.generate(domain: "example.test", selector: "s", algorithm: .ed25519SHA256)
        let signer = DKIMSigner(keys: [key])
        let growth = await CPUCost.growth(input: { Array(("From: a@example.test\r\n" + CPUCost.repeated(unit, toBytes: $0) + "\r\nbody\r\n").utf8) }) {
            _ = try? signer.sign($0, at: Date())
        }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }

    @Test(arguments: [" \t", "x \r\n", "\r\n", "\n"])
    func bodyCanonicalisationIsLinear(unit: String) async {
        let growth = await CPUCost.growth(input: { ArraySlice(CPUCost.repeated(unit, toBytes: $0).utf8) }) {
            _ = DKIMCanonicalization.relaxedBody($0)
        }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }

    static func tags(of field: ArraySlice<UInt8>) -> [String: String] {
        let value = String(decoding: field, as: UTF8.self).split(separator: ":", maxSplits: 1)[1]
        var tags: [String: String] = [:]
        for pair in value.filter({ !$0.isWhitespace }).split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            tags[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return tags
    }
}
