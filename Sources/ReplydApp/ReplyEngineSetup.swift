import ArgumentParser
import Foundation
import ReplydAPI
import ReplydConfig
import ReplydCore
import ReplydStore

extension Configuration {
    /// The reply engine as configured, or nil when replies are switched off.
    var replyEngine: ReplyEngineSettings? {
        guard replies.enabled else { return nil }
        let hostname = server.hostname
        return ReplyEngineSettings(
            site: SiteRules(organisationDomains: Set(mail.localDomains), maxDays: replies.maxDays,
                            maxRepliesPerHour: replies.maxPerHour),
            useMailboxAsEnvelopeSender: replies.envelopeSender == "mailbox",
            recipientDelimiter: mail.recipientDelimiter.flatMap(\.first),
            makeMessageID: { "<\(UUID().uuidString.lowercased())@\(hostname)>" })
    }
}

extension Configuration {
    var adminAPISettings: AdminAPI.Settings {
        AdminAPI.Settings(tokens: api.tokens, maxBody: api.maxBody, localDomains: mail.localDomains,
                          configuredMailboxes: mail.mailboxes, maxDays: replies.maxDays,
                          defaultCountryCode: sms.defaultCountryCode, engine: replyEngine, hostname: server.hostname,
                          notifications: notificationSetup, maxSMSParts: notifications.maxSMSParts)
    }

    /// Nil when neither `notifications.email_from` nor `notifications.sms_from` is set.
    var notificationSetup: SQLiteStore.NotificationSetup? {
        guard notifications.emailFrom != nil || notifications.smsFrom != nil else { return nil }
        let from = notifications.emailFrom.flatMap { AddressList.mailboxes(in: $0).first }
        let hostname = server.hostname
        return SQLiteStore.NotificationSetup(
            rules: notificationRules, emailFrom: from.map { ($0.name, $0.address.lowercased()) }, smsFrom: notifications.smsFrom,
            shopName: notifications.shopName, makeMessageID: { "<\(UUID().uuidString.lowercased())@\(hostname)>" })
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
