import Crypto
import _CryptoExtras
import Foundation

/// A DKIM private key for one domain and selector: RSA (at least 2048 bits, RFC 8301) or Ed25519
/// (RFC 8463), read from PEM or made new; it signs, and gives the TXT record that publishes it.
public struct DKIMKey: Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case rsaSHA256 = "rsa-sha256"
        case ed25519SHA256 = "ed25519-sha256"
    }

    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    enum Secret: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    public let domain: String
    public let selector: String
    let secret: Secret

    public var algorithm: Algorithm {
        switch secret {
        case .rsa: .rsaSHA256
        case .ed25519: .ed25519SHA256
        }
    }

    /// RFC 8301: verifiers must refuse RSA keys under 1024 bits and signers should use 2048 or more.
    public static let minimumRSABits = 2048

    public init(domain: String, selector: String, pem: String) throws(Problem) {
        self.domain = domain.lowercased()
        self.selector = selector
        if let rsa = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem) {
            guard rsa.keySizeInBits >= Self.minimumRSABits else {
                throw Problem(description: "an RSA key of \(rsa.keySizeInBits) bits; DKIM keys need at least \(Self.minimumRSABits) (RFC 8301)")
            }
            secret = .rsa(rsa)
        } else if let ed25519 = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) {
            secret = .ed25519(ed25519)
        } else {
            throw Problem(description: "not a PEM private key (RSA or Ed25519, PKCS#1 or PKCS#8)")
        }
    }

    /// Reads and checks the key file.
    public init(domain: String, selector: String, file: String) throws(Problem) {
        let pem: String
        do {
            pem = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read" : "file not found"
            throw Problem(description: "\(file): \(reason)")
        }
        do {
            try self.init(domain: domain, selector: selector, pem: pem)
        } catch {
            throw Problem(description: "\(file): \(error.description)")
        }
    }

    /// A new key and its PEM (PKCS#8).
    public static func generate(domain: String, selector: String, algorithm: Algorithm, rsaBits: Int = 2048) throws -> (key: DKIMKey, pem: String) {
        switch algorithm {
        case .rsaSHA256:
            guard rsaBits >= minimumRSABits, rsaBits <= 4096, rsaBits % 1024 == 0 else {
                throw Problem(description: "RSA keys are 2048, 3072 or 4096 bits")
            }
            let key = try _RSA.Signing.PrivateKey(keySize: .init(bitCount: rsaBits))
            return (DKIMKey(domain: domain, selector: selector, secret: .rsa(key)), key.pemRepresentation)
        case .ed25519SHA256:
            let key = Curve25519.Signing.PrivateKey()
            return (DKIMKey(domain: domain, selector: selector, secret: .ed25519(key)), key.pemRepresentation)
        }
    }

    private init(domain: String, selector: String, secret: Secret) {
        self.domain = domain.lowercased()
        self.selector = selector
        self.secret = secret
    }

    /// The TXT record's text at `<selector>._domainkey.<domain>` (RFC 6376 3.6.1).
    public var dnsRecord: String {
        switch secret {
        case .rsa(let key): "v=DKIM1; k=rsa; p=\(key.publicKey.derRepresentation.base64EncodedString())"
        case .ed25519(let key): "v=DKIM1; k=ed25519; p=\(key.publicKey.rawRepresentation.base64EncodedString())"
        }
    }

    /// The signature of the canonical header data: RSASSA-PKCS1-v1_5 over its SHA-256, or (RFC 8463 3)
    /// PureEdDSA over its SHA-256.
    func sign(_ data: [UInt8]) throws -> [UInt8] {
        let digest = SHA256.hash(data: data)
        switch secret {
        case .rsa(let key):
            return Array(try key.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation)
        case .ed25519(let key):
            return Array(try key.signature(for: Array(digest)))
        }
    }
}
