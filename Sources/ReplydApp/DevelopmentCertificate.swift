import Crypto
import Foundation
import SwiftASN1
import X509

/// A development CA and a server certificate signed by it, made at first start when no certificate
/// is configured, so STARTTLS works on a fresh checkout and clients can verify it against `dev-ca.pem`.
public struct DevelopmentCertificate: Sendable {
    public var directory: String
    public var caPath: String { directory + "/dev-ca.pem" }
    public var certificatePath: String { directory + "/dev-cert.pem" }
    public var privateKeyPath: String { directory + "/dev-key.pem" }
    var caKeyPath: String { directory + "/dev-ca-key.pem" }

    public init(directory: String) {
        self.directory = directory
    }

    /// Makes the files unless all of them are already there. Returns whether it made them.
    @discardableResult
    public func ensure(hostname: String, now: Date = Date()) throws -> Bool {
        let fm = FileManager.default
        if [caPath, certificatePath, privateKeyPath].allSatisfy({ fm.fileExists(atPath: $0) }) { return false }
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)

        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("replyd")
            CommonName("replyd development CA")
        }
        let caPublicKey = Certificate.PublicKey(caKey.publicKey)
        let caKeyID = SubjectKeyIdentifier(hash: caPublicKey)
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: caPublicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                caKeyID
            },
            issuerPrivateKey: .init(caKey))

        let serverKey = P256.Signing.PrivateKey()
        let serverPublicKey = Certificate.PublicKey(serverKey.publicKey)
        var names: [GeneralName] = [.dnsName("localhost"),
                                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                                    .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1])))]
        if hostname != "localhost" { names.insert(.dnsName(hostname), at: 0) }
        let server = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: serverPublicKey,
            // Browsers and strict clients refuse leaf certificates valid longer than 398 days.
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(397 * 86400),
            issuer: caName,
            subject: try DistinguishedName {
                OrganizationName("replyd")
                CommonName(hostname)
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(hash: serverPublicKey)
                AuthorityKeyIdentifier(keyIdentifier: caKeyID.keyIdentifier)
            },
            issuerPrivateKey: .init(caKey))

        try write(try ca.serializeAsPEM().pemString, to: caPath, mode: 0o644)
        try write(caKey.pemRepresentation, to: caKeyPath, mode: 0o600)
        try write(try server.serializeAsPEM().pemString + "\n" + ca.serializeAsPEM().pemString, to: certificatePath, mode: 0o644)
        try write(serverKey.pemRepresentation, to: privateKeyPath, mode: 0o600)
        return true
    }

    private func write(_ text: String, to path: String, mode: Int) throws {
        let data = Data((text.hasSuffix("\n") ? text : text + "\n").utf8)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: mode]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
