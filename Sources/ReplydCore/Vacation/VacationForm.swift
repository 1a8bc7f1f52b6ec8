import Foundation

/// A vacation as a person fills it in (command line, admin API, web page): text fields, checked
/// all at once so every problem is reported together, each under its field's name. Pure.
public struct VacationForm: Sendable, Equatable, Codable {
    public var start: String?
    public var end: String?
    public var subject: String?
    public var message: String?
    public var internalMessage: String?
    public var contactsOnly: Bool?
    public var sameDomain: Bool?
    public var days: Int?
    public var timezone: String?
    public var locale: String?
    public var ownerName: String?
    public var deputyName: String?
    public var deputyAddress: String?
    public var aliases: [String]?
    /// The reply's From: the mailbox or one of `aliases`; empty or nil: chosen per message.
    public var from: String?

    public init(start: String? = nil, end: String? = nil, subject: String? = nil, message: String? = nil,
                internalMessage: String? = nil, contactsOnly: Bool? = nil, sameDomain: Bool? = nil, days: Int? = nil,
                timezone: String? = nil, locale: String? = nil, ownerName: String? = nil, deputyName: String? = nil,
                deputyAddress: String? = nil, aliases: [String]? = nil, from: String? = nil) {
        self.start = start
        self.end = end
        self.subject = subject
        self.message = message
        self.internalMessage = internalMessage
        self.contactsOnly = contactsOnly
        self.sameDomain = sameDomain
        self.days = days
        self.timezone = timezone
        self.locale = locale
        self.ownerName = ownerName
        self.deputyName = deputyName
        self.deputyAddress = deputyAddress
        self.aliases = aliases
        self.from = from
    }

    enum CodingKeys: String, CodingKey {
        case start, end, subject, message, days, timezone, locale, aliases, from
        case internalMessage = "internal_message"
        case contactsOnly = "contacts_only"
        case sameDomain = "same_domain"
        case ownerName = "owner_name"
        case deputyName = "deputy_name"
        case deputyAddress = "deputy_address"
    }

    public struct Site: Sendable, Equatable {
        public var localDomains: [String]
        public var maxDays: Int

        public init(localDomains: [String], maxDays: Int) {
            self.localDomains = localDomains.map { $0.lowercased() }
            self.maxDays = maxDays
        }
    }

    /// Field name (as in `CodingKeys`, or "mailbox") to what is wrong with it.
    public typealias Problems = [String: String]

    public func validate(mailbox address: String, site: Site, now: Date) -> Result<Vacation, ProblemList> {
        var problems: Problems = [:]
        var mailbox: String?
        switch MailAddress.local(address, in: site.localDomains) {
        case .success(let local): mailbox = local
        case .failure(let problem): problems["mailbox"] = problem.description
        }
        let zoneName = timezone ?? "Europe/Warsaw"
        let zone = TimeZone(identifier: zoneName)
        if zone == nil { problems["timezone"] = "unknown time zone \"\(zoneName)\" (use an IANA name such as Europe/Warsaw)" }
        let startDate = DateText.parse(start ?? "now", timeZone: zone ?? .gmt, now: now)
        if startDate == nil { problems["start"] = "cannot read \"\(start ?? "")\" as a date" }
        var endDate: Date?
        if let end, !end.isEmpty {
            endDate = DateText.parse(end, timeZone: zone ?? .gmt, now: now)
            if endDate == nil { problems["end"] = "cannot read \"\(end)\" as a date" }
        }
        if let startDate, let endDate, endDate <= startDate { problems["end"] = "must be after start" }
        let days = self.days ?? 7
        if days < 1 { problems["days"] = "must be at least 1" }
        if days > site.maxDays { problems["days"] = "is over the site maximum of \(site.maxDays) (replies.max_days)" }
        let locale = self.locale ?? "pl"
        if !["pl", "en"].contains(locale) { problems["locale"] = "must be pl or en" }
        for alias in aliases ?? [] where (try? MailAddress.parse(Substring(alias)).get()) == nil {
            problems["aliases"] = "\"\(alias)\" is not a mail address"
        }
        if let from, !from.isEmpty, let mailbox,
           !([mailbox] + (aliases ?? [])).map({ $0.lowercased() }).contains(from.lowercased()) {
            problems["from"] = "must be the mailbox or one of its aliases, not \"\(from)\""
        }
        if let deputyAddress, !deputyAddress.isEmpty, (try? MailAddress.parse(Substring(deputyAddress)).get()) == nil {
            problems["deputy_address"] = "\"\(deputyAddress)\" is not a mail address"
        }
        let message = self.message ?? ""
        if message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems["message"] = "is required" }
        func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        guard problems.isEmpty, let mailbox, let startDate else { return .failure(ProblemList(problems)) }
        let vacation = Vacation(
            mailbox: mailbox, aliases: aliases ?? [], ownerName: nonEmpty(ownerName), start: startDate, end: endDate,
            // A subject pasted already RFC 2047-encoded is stored as the text it stands for; it is
            // encoded once, when a reply is written.
            timeZone: zoneName, locale: locale, subject: nonEmpty(subject).map(EncodedWords.decode), message: message,
            internalMessage: nonEmpty(internalMessage), contactsOnly: contactsOnly ?? false, sameDomainOnly: sameDomain ?? false,
            days: days, deputyName: nonEmpty(deputyName), deputyAddress: nonEmpty(deputyAddress), from: nonEmpty(from))
        do {
            try ReplyComposer.validate(vacation)
        } catch {
            return .failure(ProblemList([error.field == "internal message" ? "internal_message" : error.field: error.message]))
        }
        return .success(vacation)
    }

    /// The form that reproduces a stored vacation (what GET returns and the web page edits).
    public init(_ vacation: Vacation) {
        let iso = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: vacation.timeZone) ?? .gmt)
        self.init(start: vacation.start.formatted(iso), end: vacation.end?.formatted(iso), subject: vacation.subject,
                  message: vacation.message, internalMessage: vacation.internalMessage, contactsOnly: vacation.contactsOnly,
                  sameDomain: vacation.sameDomainOnly, days: vacation.days, timezone: vacation.timeZone, locale: vacation.locale,
                  ownerName: vacation.ownerName, deputyName: vacation.deputyName, deputyAddress: vacation.deputyAddress,
                  aliases: vacation.aliases, from: vacation.from)
    }
}

/// Problems keyed by field, as an error.
public struct ProblemList: Error, Sendable, Equatable {
    public var fields: [String: String]
    public init(_ fields: [String: String]) { self.fields = fields }
}
