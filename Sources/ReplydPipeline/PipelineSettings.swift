import Foundation
import ReplydCore

/// How inbound mail is answered: the site's rules and what the edge supplies (fresh Message-IDs).
public struct ReplyEngineSettings: Sendable {
    public var site: SiteRules
    /// Envelope sender of replies: `<>` (default, RFC 3834 loop prevention) or the mailbox.
    public var useMailboxAsEnvelopeSender: Bool
    public var recipientDelimiter: Character?
    /// The configured recipients: a sender claiming a local address that they do not accept is
    /// forged. Nil (or catch-all) cannot tell.
    public var recipients: RecipientPolicy?
    public var listConfirmation: ListConfirmationRules
    /// A fresh Message-ID in `domain`, the domain the message comes from (as Pigeonhole's vacation
    /// makes it): the one the recipient knows and its DKIM signs. Empty: the server's own name.
    public var makeMessageID: @Sendable (_ domain: String) -> String

    public init(site: SiteRules, useMailboxAsEnvelopeSender: Bool = false, recipientDelimiter: Character? = "+",
                recipients: RecipientPolicy? = nil, listConfirmation: ListConfirmationRules = ListConfirmationRules(),
                makeMessageID: @escaping @Sendable (_ domain: String) -> String) {
        self.site = site
        self.recipients = recipients
        self.listConfirmation = listConfirmation
        self.useMailboxAsEnvelopeSender = useMailboxAsEnvelopeSender
        self.recipientDelimiter = recipientDelimiter
        self.makeMessageID = makeMessageID
    }
}

/// How notifications are sent: the site's rules and senders.
public struct NotificationSetup: Sendable {
    public var rules: NotificationRules
    public var emailFrom: (name: String?, address: String)?
    public var smsFrom: String?
    public var shopName: String
    /// A fresh Message-ID in `domain`, the domain the message comes from (as Pigeonhole's vacation
    /// makes it): the one the recipient knows and its DKIM signs. Empty: the server's own name.
    public var makeMessageID: @Sendable (_ domain: String) -> String

    public init(rules: NotificationRules, emailFrom: (name: String?, address: String)?, smsFrom: String?, shopName: String,
                makeMessageID: @escaping @Sendable (_ domain: String) -> String) {
        self.rules = rules
        self.emailFrom = emailFrom
        self.smsFrom = smsFrom
        self.shopName = shopName
        self.makeMessageID = makeMessageID
    }
}
