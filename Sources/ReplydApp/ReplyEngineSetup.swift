import ArgumentParser
import Foundation
import ReplydConfig
import ReplydCore
import ReplydPipeline
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
    /// Opens (and creates, migrating it) the database for a command that writes.
    func openStore(_ configuration: Configuration) throws -> SQLiteStore {
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

    /// Opens the database read-only when it exists yet; nil on a fresh install (nothing stored).
    func storeIfPresent(_ configuration: Configuration) throws -> SQLiteStore? {
        let path = databasePath(configuration)
        return FileManager.default.fileExists(atPath: path) ? try SQLiteStore(readingFrom: path) : nil
    }

    /// Opens an existing database read-only, or explains that there is none yet.
    func openExistingStore(_ configuration: Configuration) throws -> SQLiteStore {
        let path = databasePath(configuration)
        guard FileManager.default.fileExists(atPath: path) else {
            printError("no database at \(path): nothing has been received yet (start `replyd serve`)")
            throw ExitCode(1)
        }
        return try SQLiteStore(readingFrom: path)
    }
}
