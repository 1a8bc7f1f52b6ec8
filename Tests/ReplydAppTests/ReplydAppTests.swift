import ArgumentParser
import Foundation
import ReplydTesting
import Testing
import X509
@testable import ReplydApp

/// The command line's contract (DESIGN.md): what parses to which command, and what is refused.
@Suite struct CommandLineTests {
    @Test func dryRunsParseToTheirChannel() throws {
        #expect(try ReplydCommand.parseAsRoot(["simulate", "--from", "ewa@klient.pl", "--to", "jan@firma.pl"]) is SimulateCommand.Mail)
        #expect(try ReplydCommand.parseAsRoot(["simulate", "sms", "--from", "600700800", "--to", "+48500100200", "--text", "STOP"])
            is SimulateCommand.SMS)
        let notify = try ReplydCommand.parseAsRoot(["simulate", "notify", "A-1", "shipped", "--name", "Ola", "--phone", "600100200"])
        #expect((notify as? SimulateCommand.Notify)?.notification.order == "A-1")
    }

    @Test func notifySendIsTheDefaultAndTakesTheOrderFirst() throws {
        let send = try #require(try ReplydCommand.parseAsRoot(["notify", "A-1", "shipped", "--name", "Ola", "--email", "o@x.test"])
            as? NotifyCommand.Send)
        #expect(send.notification.order == "A-1" && send.notification.event == "shipped" && send.notification.email == "o@x.test")
    }

    @Test func unknownOptionsAndMissingArgumentsAreRefused() {
        #expect(throws: (any Error).self) { try ReplydCommand.parseAsRoot(["simulate", "--from", "a@b.test"]) }
        #expect(throws: (any Error).self) { try ReplydCommand.parseAsRoot(["openapi", "--config", "x.toml"]) }
        #expect(throws: (any Error).self) { try ReplydCommand.parseAsRoot(["notify", "A-1"]) }
    }
}

@Suite struct JSONLineTests {
    @Test func unicodeLineBreaksAreEscapedAndDecodeToTheSameText() throws {
        let text = "a\u{2028}b\u{85}c\u{2029}d\n"
        let line = JSONLine.encode(["subject": text])
        #expect(!line.unicodeScalars.contains { $0 == "\u{2028}" || $0 == "\u{2029}" || $0 == "\u{85}" })
        #expect(line.split(whereSeparator: \.isNewline).count == 1)
        let decoded = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
        #expect(decoded?["subject"] == text)
    }
}

@Suite struct DevelopmentCertificateTests {
    @Test func aFreshCheckoutGetsACAAndALeafItSigned() throws {
        let scratch = try ScratchDirectory("replyd-devcert")
        let certificate = DevelopmentCertificate(directory: scratch.path("certs"))
        #expect(try certificate.ensure(hostname: "mx.example.test"))
        #expect(try !certificate.ensure(hostname: "mx.example.test"), "made again although all files were there")
        let ca = try Certificate(pemEncoded: String(contentsOfFile: certificate.caPath, encoding: .utf8))
        // The leaf's file holds the chain: the leaf first, then the CA.
        let chain = try String(contentsOfFile: certificate.certificatePath, encoding: .utf8)
            .components(separatedBy: "-----END CERTIFICATE-----").dropLast().map { $0 + "-----END CERTIFICATE-----" }
        let leaf = try Certificate(pemEncoded: try #require(chain.first))
        #expect(try chain.dropFirst().map(Certificate.init(pemEncoded:)) == [ca])
        #expect(leaf.issuer == ca.subject)
        let names = try #require(try leaf.extensions.subjectAlternativeNames)
        #expect(names.contains(.dnsName("mx.example.test")) && names.contains(.dnsName("localhost")))
        #expect(leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore) <= 398 * 86_400)
    }
}
