import Foundation
import ReplydCore

/// The PostgreSQL server the tests share: the throw-away cluster `scripts/test` starts and names in
/// `REPLYD_TEST_POSTGRES_URL` (its superuser, on loopback). Each test gets a database of its own.
public enum TestPostgres {
    public static var serverURL: String? {
        ProcessInfo.processInfo.environment["REPLYD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static var available: Bool { serverURL != nil }

    /// A new, empty database on the test server.
    public static func newDatabase() throws -> PostgresEndpoint {
        guard let url = serverURL, case .success(var endpoint) = PostgresEndpoint.parse(url) else {
            throw Unavailable()
        }
        let name = "swift_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE \(name)"]
        let errors = Pipe()
        psql.standardError = errors
        try psql.run()
        psql.waitUntilExit()
        guard psql.terminationStatus == 0 else {
            throw Failed(output: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        endpoint.database = name
        endpoint.tls = .disable
        return endpoint
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String { "REPLYD_TEST_POSTGRES_URL is not set (scripts/test starts a server and sets it)" }
    }

    public struct Failed: Error, CustomStringConvertible {
        public var output: String
        public var description: String { "psql could not create a test database: \(output)" }
    }
}
