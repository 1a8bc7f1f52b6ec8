import Foundation
import ReplydAPI
import ReplydConfig
import ReplydCore
import ReplydPipeline
import ReplydStore

extension Configuration {
    var adminAPISettings: AdminAPI.Settings {
        AdminAPI.Settings(tokens: api.tokens, maxBody: api.maxBody, localDomains: mail.localDomains,
                          configuredMailboxes: mail.mailboxes, maxDays: replies.maxDays,
                          defaultCountryCode: sms.defaultCountryCode, engine: replyEngine, hostname: server.hostname,
                          notifications: notificationSetup, maxSMSParts: notifications.maxSMSParts)
    }

    /// Nil when neither `notifications.email_from` nor `notifications.sms_from` is set.
    var notificationSetup: NotificationSetup? {
        guard notifications.emailFrom != nil || notifications.smsFrom != nil else { return nil }
        let from = notifications.emailFrom.flatMap { AddressList.mailboxes(in: $0).first }
        let hostname = server.hostname
        return NotificationSetup(
            rules: notificationRules, emailFrom: from.map { ($0.name, $0.address.lowercased()) }, smsFrom: notifications.smsFrom,
            shopName: notifications.shopName, makeMessageID: { domain in "<\(UUID().uuidString.lowercased())@\(domain.isEmpty ? hostname : domain)>" })
    }
}
