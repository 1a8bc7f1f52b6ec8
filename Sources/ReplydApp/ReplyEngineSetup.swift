import ArgumentParser
import Foundation
import ReplydConfig
import ReplydCore
import ReplydPipeline
import ReplydPostgres
import ReplydStore

extension Configuration {
    /// The reply engine as configured, or nil when replies are switched off.
    var replyEngine: ReplyEngineSettings? {
        guard replies.enabled else { return nil }
        let hostname = server.hostname
        return ReplyEngineSettings(
            site: SiteRules(organisationDomains: Set(mail.localDomains), maxDays: replies.maxDays,
                            maxRepliesPerHour: replies.maxPerHour, requireSPF: replies.requireSPF),
            useMailboxAsEnvelopeSender: replies.envelopeSender == .mailbox,
            recipientDelimiter: mail.recipientDelimiter.flatMap(\.first),
            recipients: recipientPolicy,
            listConfirmation: ListConfirmationRules(maxPending: mail.listMaxPending,
                                                    validFor: TimeInterval(mail.listConfirmWithin.components.seconds)),
            makeMessageID: { domain in "<\(UUID().uuidString.lowercased())@\(domain.isEmpty ? hostname : domain)>" })
    }
}

extension CommonOptions {
    /// Opens (and creates, migrating it) the store for a command that writes.
    func openStore(_ configuration: Configuration) async throws -> any StoreBackend {
        if configuration.storage.backend == .postgres { return try await openPostgres(configuration, migrate: true) }
        let path = databasePath(configuration)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            return try SQLiteStore(path: path)
        } catch {
            printError("cannot open database \(path): \(error)")
            throw ExitCode(1)
        }
    }

    /// Opens the store for reading when it exists yet; nil on a fresh SQLite install (nothing stored).
    func storeIfPresent(_ configuration: Configuration) async throws -> (any StoreBackend)? {
        if configuration.storage.backend == .postgres { return try await openPostgres(configuration, migrate: false) }
        let path = databasePath(configuration)
        return FileManager.default.fileExists(atPath: path) ? try SQLiteStore(readingFrom: path) : nil
    }

    /// Opens an existing store for reading, or explains that there is none yet.
    func openExistingStore(_ configuration: Configuration) async throws -> any StoreBackend {
        if configuration.storage.backend == .postgres { return try await openPostgres(configuration, migrate: false) }
        let path = databasePath(configuration)
        guard FileManager.default.fileExists(atPath: path) else {
            printError("no database at \(path): nothing has been received yet (start `replyd serve`)")
            throw ExitCode(1)
        }
        return try SQLiteStore(readingFrom: path)
    }

    /// The PostgreSQL store of `[storage]`; `migrate` for commands that write (and `serve`), which
    /// bring the schema up to date, while readers refuse a schema of another version.
    func openPostgres(_ configuration: Configuration, migrate: Bool) async throws -> PostgresStore {
        let endpoint = try postgresEndpoint(configuration)
        do {
            return try await PostgresStore.open(endpoint, poolSize: configuration.storage.postgresPoolSize,
                                               connectionWait: configuration.storage.postgresConnectTimeout, migrate: migrate)
        } catch {
            printError("cannot open PostgreSQL store \(endpoint.displayText): \(PostgresStore.explain(error))")
            throw ExitCode(1)
        }
    }

    func postgresEndpoint(_ configuration: Configuration) throws -> PostgresEndpoint {
        // check-config has vetted the URL; a configuration built in code may not have been.
        guard let url = configuration.storage.postgresURL, case .success(var endpoint) = PostgresEndpoint.parse(url) else {
            printError("storage.postgres_url: a valid postgres:// URL is required when storage.backend is \"postgres\"")
            throw ExitCode(1)
        }
        if let name = configuration.storage.postgresPasswordEnv {
            guard let password = ProcessInfo.processInfo.environment[name] else {
                printError("storage.postgres_password_env: the environment variable \(name) is not set")
                throw ExitCode(1)
            }
            endpoint.password = password
        }
        return endpoint
    }
}
