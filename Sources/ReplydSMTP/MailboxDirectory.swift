import Synchronization

/// Addresses accepted beyond the configuration's `mail.mailboxes` when catch-all is off (mailboxes
/// and aliases created through the admin API, mail list addresses). Replaced as a whole whenever the
/// store changes; each new SMTP session takes the set as it is then.
public final class MailboxDirectory: Sendable {
    private let addresses = Mutex<Set<String>>([])

    public init() {}

    public func replace(with addresses: Set<String>) {
        let lowered = Set(addresses.map { $0.lowercased() })
        self.addresses.withLock { $0 = lowered }
    }

    public var snapshot: Set<String> { addresses.withLock { $0 } }
}
