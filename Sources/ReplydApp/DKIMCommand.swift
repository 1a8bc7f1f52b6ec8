import ArgumentParser
import Foundation
import ReplydConfig
import ReplydCore
import ReplydDelivery

struct DKIMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim",
        abstract: "DKIM keys for signing outgoing mail.",
        subcommands: [Keygen.self])

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Write a new DKIM private key and print the DNS TXT record to publish and the [[dkim.keys]] entry to add.")

        @Argument(help: "The domain mail is signed for (the From domain).")
        var domain: String

        @Option(help: "The selector: the key is published at <selector>._domainkey.<domain>.")
        var selector: String

        @Option(help: "rsa (RSA-SHA256, understood by every verifier) or ed25519 (Ed25519-SHA256, RFC 8463).")
        var algorithm: String = "rsa"

        @Option(help: "RSA key size: 2048, 3072 or 4096.")
        var bits: Int = 2048

        @Option(name: .customLong("key-file"), help: "Where to write the key (PEM, mode 0600); default dkim/<domain>.<selector>.key.")
        var keyFile: String?

        func run() throws {
            let chosen: DKIMKey.Algorithm
            switch algorithm.lowercased() {
            case "rsa", "rsa-sha256": chosen = .rsaSHA256
            case "ed25519", "ed25519-sha256": chosen = .ed25519SHA256
            default: throw ValidationError("--algorithm must be rsa or ed25519")
            }
            let domain = domain.lowercased()
            guard MailAddress.isValidDomain(Substring(domain)) else { throw ValidationError("\(domain) is not a domain name") }
            guard Configuration.DKIM.isValidSelector(selector) else {
                throw ValidationError("--selector must be DNS labels (letters, digits, -), e.g. replyd2026")
            }
            let path = keyFile ?? "dkim/\(domain).\(selector).key"
            let manager = FileManager.default
            guard !manager.fileExists(atPath: path) else {
                printError("replyd: \(path) exists; a key that may be in use is never overwritten (name another --key-file or --selector)")
                throw ExitCode(1)
            }
            let (key, pem) = try Self.generate(domain: domain, selector: selector, algorithm: chosen, bits: bits)
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try manager.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            // Private from its first byte: created 0600, never widened.
            guard manager.createFile(atPath: path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]) else {
                printError("replyd: cannot write \(path)")
                throw ExitCode(1)
            }
            let bitsNote = chosen == .rsaSHA256 ? ", \(bits) bits" : ""
            print("""
                wrote \(path) (\(chosen.rawValue)\(bitsNote))

                Publish this DNS TXT record:
                \(selector)._domainkey.\(domain). 3600 IN TXT \(Self.quoted(key.dnsRecord))

                Then add to the configuration:
                [[dkim.keys]]
                domain = "\(domain)"
                selector = "\(selector)"
                key_file = "\(path)"
                """)
        }

        static func generate(domain: String, selector: String, algorithm: DKIMKey.Algorithm, bits: Int) throws -> (DKIMKey, String) {
            do {
                return try DKIMKey.generate(domain: domain, selector: selector, algorithm: algorithm, rsaBits: bits)
            } catch let problem as DKIMKey.Problem {
                throw ValidationError(problem.description)
            }
        }

        /// A TXT record's text as zone files take it: strings of at most 255 octets (RFC 1035 3.3.14),
        /// which the verifier joins again.
        static func quoted(_ text: String) -> String {
            var pieces: [String] = []
            var rest = Substring(text)
            while !rest.isEmpty {
                pieces.append("\"\(rest.prefix(255))\"")
                rest = rest.dropFirst(255)
            }
            return pieces.count == 1 ? pieces[0] : "( " + pieces.joined(separator: " ") + " )"
        }
    }
}
