import Foundation

/// A mailbox's out-of-office settings, as `replyd vacation set` or the admin API stores them.
public struct Vacation: Sendable, Equatable, Codable {
    /// The mailbox address, lower-cased.
    public var mailbox: String
    /// Other addresses of the same person; a mail to any of them counts as explicitly addressed.
    public var aliases: [String]
    public var ownerName: String?
    public var start: Date
    /// Nil: until switched off.
    public var end: Date?
    /// IANA zone used to show the absence dates (and in which the CLI reads them).
    public var timeZone: String
    /// "pl" or "en": date formatting and the default subject prefix.
    public var locale: String
    /// Template; nil means `Auto: <original subject>` (RFC 3834 3.1.5).
    public var subject: String?
    /// Mustache template of the reply body (external senders, or everyone without `internalMessage`).
    public var message: String
    /// Mustache template for senders of the organisation's own domains.
    public var internalMessage: String?
    public var contactsOnly: Bool
    public var sameDomainOnly: Bool
    /// At most one reply per sender per this many days (RFC 5230 `:days`).
    public var days: Int
    public var deputyName: String?
    public var deputyAddress: String?
    /// The reply's From, the mailbox or one of its aliases (Sieve's `:from`, RFC 5230 4.3); nil: the
    /// address the message was sent to when that is an alias, else the mailbox.
    public var from: String?

    public init(mailbox: String, aliases: [String] = [], ownerName: String? = nil, start: Date, end: Date? = nil,
                timeZone: String = "UTC", locale: String = "en", subject: String? = nil, message: String,
                internalMessage: String? = nil, contactsOnly: Bool = false, sameDomainOnly: Bool = false,
                days: Int = 7, deputyName: String? = nil, deputyAddress: String? = nil, from: String? = nil) {
        self.mailbox = mailbox.lowercased()
        self.aliases = aliases.map { $0.lowercased() }
        self.ownerName = ownerName
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.locale = locale
        self.subject = subject
        self.message = message
        self.internalMessage = internalMessage
        self.contactsOnly = contactsOnly
        self.sameDomainOnly = sameDomainOnly
        self.days = days
        self.deputyName = deputyName
        self.deputyAddress = deputyAddress
        self.from = from?.lowercased()
    }

    /// Identifies the response text. Reply history is kept per response, so changing the text starts
    /// a new period for every sender, as Sieve's `:handle` and Gmail do.
    public var responseID: String {
        let material = [subject ?? "", message, internalMessage ?? ""].joined(separator: "\u{1F}")
        return FNV1a.hex(material)
    }

    public var ownAddresses: Set<String> { Set([mailbox] + aliases) }

    /// Who the reply comes from, for a message addressed to `addressed` (the envelope recipient's
    /// forms, the address as given first): `from`, else the first of them that is an alias, else
    /// the mailbox. Only ever one of the person's own addresses.
    public func replyFrom(addressed: [String]) -> String {
        if let from, ownAddresses.contains(from) { return from }
        return addressed.map { $0.lowercased() }.first { aliases.contains($0) } ?? mailbox
    }

    /// Started and not yet ended at `date`.
    public func isActive(at date: Date) -> Bool {
        start <= date && (end.map { date < $0 } ?? true)
    }

    public var mailboxDomain: String {
        mailbox.lastIndex(of: "@").map { String(mailbox[mailbox.index(after: $0)...]) } ?? ""
    }
}

/// A short, stable, non-cryptographic digest: identifies texts, protects nothing.
enum FNV1a {
    static func hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
