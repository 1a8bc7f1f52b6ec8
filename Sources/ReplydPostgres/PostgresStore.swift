import Foundation
import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import ReplydCore
import ReplydPipeline
import Synchronization

/// The PostgreSQL store: several replyd nodes on one database.
///
/// What SQLite's single writer guaranteed, unique keys guarantee here: the once-per-period reply
/// key, one scheduled notification per order and event, one record per provider message id. Two
/// nodes' transactions that collide on a key or deadlock are run again (the pipeline's work is a pure
/// function of what it reads). Queue items are leased with `FOR UPDATE SKIP LOCKED`.
public final class PostgresStore: StoreBackend, Sendable {
    let client: PostgresClient
    private let running: Task<Void, Never>
    /// Pipeline transactions block one of these threads per query (see `Blocking`).
    let writers: NIOThreadPool
    let writerCount: Int
    let logger: Logger
    let settings = DecodedSettings()
    let completions: GroupCommitter<Completion, NotificationSent?>
    /// How long an operation may wait for a connection before it fails (SMTP then answers 451).
    let connectionWait: Duration
    public let endpoint: PostgresEndpoint
    public var location: String { endpoint.displayText }

    /// Connects; with `migrate`, brings the schema up to date first (under an advisory lock, so
    /// nodes starting together take turns), otherwise refuses a schema older than this replyd's.
    public static func open(_ endpoint: PostgresEndpoint, poolSize: Int = 10, connectionWait: Duration = .seconds(10),
                            migrate: Bool, logger: Logger = Logger(label: "replyd.postgres")) async throws -> PostgresStore {
        let store = try PostgresStore(endpoint, poolSize: poolSize, connectionWait: connectionWait, logger: logger)
        do {
            if migrate { try await store.migrate() } else { try await store.checkSchema() }
        } catch {
            try? store.close()
            throw error
        }
        return store
    }

    private init(_ endpoint: PostgresEndpoint, poolSize: Int, connectionWait: Duration, logger: Logger) throws {
        var configuration = PostgresClient.Configuration(
            host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
            database: endpoint.database, tls: try Self.tls(endpoint))
        configuration.options.maximumConnections = poolSize
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = connectionWait
        // No statement (a lock wait on another node's key included) and no transaction left open by a
        // stuck or partitioned node holds anything for ever.
        configuration.options.additionalStartupParameters = [
            ("application_name", "replyd"), ("statement_timeout", "30s"), ("idle_in_transaction_session_timeout", "60s"),
        ]
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.running = Task { await client.run() }
        self.writerCount = max(2, min(poolSize / 2, 8))
        self.writers = NIOThreadPool(numberOfThreads: writerCount)
        self.writers.start()
        self.logger = logger
        self.endpoint = endpoint
        self.connectionWait = connectionWait
        let lease = connectionWait
        self.completions = GroupCommitter(lanes: 2) { batch in
            try await Self.leased(client, wait: lease) { connection in
                try await Self.commitCompletions(batch, connection: connection, logger: logger)
            }
        }
    }

    private static func tls(_ endpoint: PostgresEndpoint) throws -> PostgresClient.Configuration.TLS {
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        switch endpoint.tls {
        case .disable: return .disable
        case .prefer: return .prefer(unverified)
        case .require: return .require(unverified)
        case .verifyFull:
            var verified = TLSConfiguration.makeClientConfiguration()
            if let file = endpoint.rootCertificate {
                verified.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            }
            return .require(verified)
        }
    }

    public func close() throws {
        running.cancel()
        try? writers.syncShutdownGracefully()
    }

    // MARK: Connections

    /// Runs `body` on a pooled connection. Waiting for one is bounded (the database is down, or every
    /// connection is busy): the caller gets `StoreUnavailable` instead of hanging. Once `body` has its
    /// connection it runs to the end, so a commit is never abandoned half-way.
    static func leased<T: Sendable>(_ client: PostgresClient, wait: Duration,
                                    _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let acquired = Flag()
        return try await withThrowingTaskGroup(of: Finished<T>.self) { group in
            group.addTask {
                .value(try await client.withConnection { connection in
                    acquired.value.store(true, ordering: .sequentiallyConsistent)
                    return try await body(connection)
                })
            }
            group.addTask {
                try? await Task.sleep(for: wait)
                return .timer
            }
            while let next = try await group.next() {
                switch next {
                case .value(let value):
                    group.cancelAll()
                    return value
                case .timer where !acquired.value.load(ordering: .sequentiallyConsistent):
                    group.cancelAll()
                    throw StoreUnavailable(waited: wait)
                case .timer:
                    continue
                }
            }
            throw StoreUnavailable(waited: wait)
        }
    }

    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    private enum Finished<T: Sendable>: Sendable {
        case value(T)
        case timer
    }

    func leased<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.leased(client, wait: connectionWait, body)
    }

    /// One transaction on one connection: committed when `body` returns, rolled back when it throws.
    /// Run again (up to five times) when it lost a deadlock or a unique key to another node.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        var attempt = 1
        while true {
            do {
                return try await leased { connection in
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let result = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return result
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where attempt < 5 && Self.isContention(error) {
                attempt += 1
            }
        }
    }

    /// Another node's transaction won: a deadlock, a serialization failure or a unique key it took first.
    static func isContention(_ error: PSQLError) -> Bool {
        ["40P01", "40001", "23505"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    // MARK: Schema

    struct OutdatedSchema: Error, CustomStringConvertible {
        var found: Int
        var description: String {
            "the PostgreSQL schema is at version \(found), this replyd needs \(PostgresSchema.migrations.last?.version ?? 0): start `replyd serve` once to migrate it"
        }
    }

    struct NewerSchema: Error, CustomStringConvertible {
        var found: Int
        var description: String {
            "the PostgreSQL schema is at version \(found), newer than this replyd knows (\(PostgresSchema.migrations.last?.version ?? 0)): upgrade replyd on this node"
        }
    }

    /// Applies the migrations not applied yet, each in its own transaction, holding an advisory lock
    /// so that nodes starting at the same moment take turns (the second finds nothing left to do).
    func migrate() async throws {
        let logger = self.logger
        try await leased { connection in
            try await connection.query("SELECT pg_advisory_lock(\(PostgresSchema.lockKey))", logger: logger)
            do {
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS replyd_schema (
                        version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                    """, logger: logger)
                let current = try await connection.query("SELECT COALESCE(MAX(version), 0) FROM replyd_schema", logger: logger)
                    .scalar(Int.self) ?? 0
                if let known = PostgresSchema.migrations.last?.version, current > known { throw NewerSchema(found: current) }
                for migration in PostgresSchema.migrations where migration.version > current {
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        for statement in migration.statements {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query(
                            "INSERT INTO replyd_schema (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                        try await connection.query("COMMIT", logger: logger)
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(PostgresSchema.lockKey))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(PostgresSchema.lockKey))", logger: logger)
        }
    }

    func checkSchema() async throws {
        let logger = self.logger
        let current = try await leased { connection in
            guard try await connection.query("SELECT to_regclass('replyd_schema') IS NOT NULL", logger: logger).scalar(Bool.self) == true else {
                return 0
            }
            return try await connection.query("SELECT COALESCE(MAX(version), 0) FROM replyd_schema", logger: logger).scalar(Int.self) ?? 0
        }
        let known = PostgresSchema.migrations.last?.version ?? 0
        if current < known { throw OutdatedSchema(found: current) }
        if current > known { throw NewerSchema(found: current) }
    }
}

/// The database could not be reached in time; nothing was written.
public struct StoreUnavailable: Error, CustomStringConvertible {
    public var waited: Duration
    public var description: String { "no PostgreSQL connection within \(waited)" }
}

extension PostgresStore {
    /// An error as an operator can act on it: PSQLError's own description hides what the server said.
    public static func explain(_ error: any Error) -> String {
        (error as? PSQLError)?.explanation ?? "\(error)"
    }
}

extension PSQLError {
    /// What the server said, or what went wrong on the way (PSQLError's own description hides both).
    var explanation: String {
        if let message = serverInfo?[.message] {
            return "\(message) (SQLSTATE \(serverInfo?[.sqlState] ?? "?"))"
        }
        return "\(code)" + (underlying.map { ": \($0)" } ?? "")
    }
}

/// The pipeline runs in one transaction per call, on a writer thread (a group commit holds many messages).
extension PostgresStore: PipelineStore {
    /// One per writer thread: each transaction holds one while it waits on the server.
    public var concurrentTransactions: Int { writerCount }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any ReplyTransaction) throws -> T) async throws -> T {
        try await run(body, commit: true)
    }

    public func rehearsal<T: Sendable>(_ body: @escaping @Sendable (any ReplyTransaction) throws -> T) async throws -> T {
        try await run(body, commit: false)
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (any ReplyTransaction) throws -> T, commit: Bool) async throws -> T {
        let (writers, logger, settings) = (self.writers, self.logger, self.settings)
        let work: @Sendable (PostgresConnection) async throws -> T = { connection in
            try await writers.runIfActive {
                try body(PostgresReplyTransaction(connection: connection, logger: logger, settings: settings))
            }
        }
        guard commit else {
            return try await leased { connection in
                try await connection.query("BEGIN", logger: logger)
                let result: Result<T, any Error>
                do { result = .success(try await work(connection)) } catch { result = .failure(error) }
                try await connection.query("ROLLBACK", logger: logger)
                return try result.get()
            }
        }
        let started = ContinuousClock.now
        let result = try await transaction(work)
        StoreMetrics.committed(backend: "postgres", duration: ContinuousClock.now - started)
        return result
    }
}
