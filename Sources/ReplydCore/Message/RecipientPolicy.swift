/// Which envelope recipients this host accepts: local domains only (never an open relay), and either
/// every local part (catch-all) or only the listed mailboxes.
public struct RecipientPolicy: Sendable, Equatable {
    public var localDomains: Set<String>
    public var catchAll: Bool
    /// Listed mailboxes, lower-cased `local@domain`; used when `catchAll` is off.
    public var mailboxes: Set<String>
    /// Sub-address separator (`alice+tag@` reaches `alice@`); nil turns sub-addressing off.
    public var recipientDelimiter: Character?

    public init(localDomains: Set<String>, catchAll: Bool, mailboxes: Set<String> = [],
                recipientDelimiter: Character? = "+") {
        self.localDomains = Set(localDomains.map { $0.lowercased() })
        self.catchAll = catchAll
        self.mailboxes = Set(mailboxes.map { $0.lowercased() })
        self.recipientDelimiter = recipientDelimiter
    }

    public enum Verdict: Sendable, Equatable {
        case accept
        case relayDenied
        case unknownUser
    }

    public func verdict(for address: MailAddress) -> Verdict {
        guard localDomains.contains(address.domain) else { return .relayDenied }
        if catchAll { return .accept }
        let local = address.localPart.lowercased()
        // RFC 5321 4.5.1: postmaster must always be accepted.
        if local == "postmaster" { return .accept }
        if mailboxes.contains("\(local)@\(address.domain)") { return .accept }
        if let delimiter = recipientDelimiter, let cut = local.firstIndex(of: delimiter) {
            let base = local[..<cut]
            if !base.isEmpty, mailboxes.contains("\(base)@\(address.domain)") { return .accept }
        }
        return .unknownUser
    }
}
