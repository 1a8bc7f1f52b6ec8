import Foundation

/// Where a PostgreSQL store is and how to reach it, read from a libpq-style URL:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require|verify-full&sslrootcert=FILE]`.
/// Pure: `check-config` reports what is wrong with it before anything connects.
public struct PostgresEndpoint: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Clear text.
        case disable
        /// TLS when the server offers it, unverified (libpq's default).
        case prefer
        /// TLS or no connection, the certificate not verified (libpq's meaning).
        case require
        /// TLS with the certificate verified against `sslrootcert` (or the system's roots) and the host name.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    public var rootCertificate: String?

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String,
                tls: TLSMode = .prefer, rootCertificate: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.rootCertificate = rootCertificate
    }

    /// The endpoint, or what is wrong with the text.
    public static func parse(_ text: String) -> Result<PostgresEndpoint, PostgresURLProblem> {
        guard let components = URLComponents(string: text) else { return .failure(.init("is not a URL")) }
        guard let scheme = components.scheme?.lowercased(), ["postgres", "postgresql"].contains(scheme) else {
            return .failure(.init("must start with postgres:// (e.g. \"postgres://replyd@db.example.test/replyd\")"))
        }
        guard let host = components.host, !host.isEmpty else { return .failure(.init("names no host")) }
        guard let user = components.user, !user.isEmpty else { return .failure(.init("names no user (postgres://USER@HOST/DATABASE)")) }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { return .failure(.init("names no database (postgres://USER@HOST/DATABASE)")) }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { return .failure(.init("port must be 1 to 65535")) }
        var endpoint = PostgresEndpoint(host: host, port: port, username: user.removingPercentEncoding ?? user,
                                        password: components.password.map { $0.removingPercentEncoding ?? $0 },
                                        database: database.removingPercentEncoding ?? database)
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    return .failure(.init("sslmode must be one of \(TLSMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))"))
                }
                endpoint.tls = mode
            case "sslrootcert":
                guard let file = item.value, !file.isEmpty else { return .failure(.init("sslrootcert names no file")) }
                endpoint.rootCertificate = file
            default:
                return .failure(.init("unknown parameter \"\(item.name)\" (known: sslmode, sslrootcert)"))
            }
        }
        return .success(endpoint)
    }

    /// For banners and logs: the URL without its password.
    public var displayText: String {
        "postgres://\(username)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }
}

public struct PostgresURLProblem: Error, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
