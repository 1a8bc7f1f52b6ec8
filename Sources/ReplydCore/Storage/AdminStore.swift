import Foundation

/// What the admin API and the command line read and change, whichever database holds it. The
/// message path writes through `ReplyTransaction` (ReplydPipeline) and delivery through
/// `OutboundQueue`; this is everything else.
public protocol AdminStore: InboundLogReader {
    // MARK: Vacations and mailboxes

    func setVacation(_ vacation: Vacation, at now: Date) async throws
    /// Returns whether there was one to clear.
    func clearVacation(mailbox: String) async throws -> Bool
    func vacations() async throws -> [Vacation]
    /// Created mailboxes and those with a vacation or contacts, sorted.
    func mailboxes() async throws -> [MailboxRecord]
    func createMailbox(_ address: String, name: String?, aliases: [String], at now: Date) async throws -> MailboxChange
    /// Replaces the mailbox's own aliases; returns those another mailbox holds (nothing changed then).
    func setAliases(mailbox: String, _ aliases: [String]) async throws -> [String]
    func aliasesTaken(mailbox: String, _ aliases: [String]) async throws -> [String]
    /// Deletes the mailbox with its aliases, vacation and contacts; returns whether it existed.
    func deleteMailbox(_ address: String) async throws -> Bool
    /// Addresses SMTP accepts beyond the configured mailboxes: created mailboxes, aliases, mail lists.
    func acceptedAddresses() async throws -> Set<String>

    // MARK: Contacts

    /// Adds or renames contacts; returns how many were written.
    func addContacts(owner: String, _ contacts: [(address: String, name: String?)], at now: Date) async throws -> Int
    func contactCount(owner: String) async throws -> Int
    func contacts(owner: String, limit: Int, offset: Int) async throws -> (items: [ContactRecord], total: Int)
    func deleteContact(owner: String, address: String) async throws -> Bool

    // MARK: The log

    /// Newest first, from `maxID` down.
    func recentInbound(limit: Int, beforeOrAt maxID: Int64) async throws -> [InboundSummary]
    func inbound(id: Int64) async throws -> InboundSummary?
    func decisions(message id: Int64) async throws -> [DecisionRecord]
    /// A message's bytes as received (nil once retention removed them).
    func rawMessage(id: Int64) async throws -> [UInt8]?
    /// A queued message's bytes as they are sent.
    func outboundData(id: Int64) async throws -> [UInt8]?

    // MARK: The queue

    func queueEntries(includeSent: Bool, limit: Int) async throws -> [QueueEntry]
    /// `status`: pending, deferred or a stored status; nil is everything still open.
    func queuePage(status: String?, limit: Int, offset: Int) async throws -> (items: [QueueEntry], total: Int)
    func queueEntry(id: Int64) async throws -> QueueEntry?
    func retryNow(_ id: Int64, at now: Date) async throws -> QueueChange
    func drop(_ id: Int64, at now: Date) async throws -> QueueChange
    /// Oldest first.
    func attempts(outbound id: Int64) async throws -> [AttemptRecord]

    // MARK: Lists

    func setSMSList(_ list: SMSList, at now: Date) async throws
    func smsLists() async throws -> [SMSList]
    func smsList(key: String) async throws -> SMSList?
    /// The list goes; its subscriptions (opt-outs included) stay.
    func deleteSMSList(key: String) async throws -> Bool
    /// Newest first.
    func recentSMS(limit: Int) async throws -> [InboundSMSRecord]
    /// A number's subscription on every list it has one on: (list key, `in` or `out`).
    func smsSubscriptions(number: String) async throws -> [(list: String, status: String)]
    func smsSubscriptions(list: String, status: String?, limit: Int, offset: Int) async throws
        -> (items: [SMSSubscriptionRecord], total: Int)
    func setMailList(_ list: MailList, at now: Date) async throws
    func mailLists() async throws -> [MailListSummary]
    func mailSubscribers(list: String) async throws -> [(address: String, status: String, changedAt: Date)]

    // MARK: Notifications

    func notification(id: Int64) async throws -> NotificationRecord?
    func notifications(order: String) async throws -> [NotificationRecord]
    /// Only the saved ones; the built-in texts are `NotificationTemplates.builtIn`.
    func savedNotificationTemplates(events: [String]) async throws -> [SavedTemplate]
    func setNotificationTemplate(event: String, channel: NotificationChannel, locale: String, _ template: NotificationTemplate,
                                 at now: Date) async throws

    // MARK: Figures

    func status(now: Date) async throws -> StoreStatus
}
