import NIOSSL
import ReplydConfig

/// Where the server's certificate comes from, and the NIOSSL context built from it.
struct TLSSetup {
    var certificatePath: String
    var privateKeyPath: String
    /// Set when the development CA is in use, so the banner can say what clients should trust.
    var developmentCA: String?
    var context: NIOSSLContext

    static func make(_ tls: Configuration.TLS, hostname: String) throws -> TLSSetup? {
        guard tls.enabled else { return nil }
        var certificatePath = tls.certificate
        var privateKeyPath = tls.privateKey
        var developmentCA: String?
        if certificatePath == nil || privateKeyPath == nil {
            let dev = DevelopmentCertificate(directory: tls.devCertDir)
            try dev.ensure(hostname: hostname)
            certificatePath = dev.certificatePath
            privateKeyPath = dev.privateKeyPath
            developmentCA = dev.caPath
        }
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath!).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: privateKeyPath!, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return TLSSetup(certificatePath: certificatePath!, privateKeyPath: privateKeyPath!,
                        developmentCA: developmentCA, context: try NIOSSLContext(configuration: configuration))
    }
}
