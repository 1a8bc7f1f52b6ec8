import Foundation

/// An SMS list as a person fills it in (`replyd sms list-set`, `PUT /api/v1/sms/lists/{list}`):
/// every problem at once, under its field's name (`list` for the number and prefix). Pure.
public struct SMSListForm: Sendable, Equatable, Decodable {
    public var name: String
    public var welcome: String
    public var farewell: String
    public var help: String
    public var autoreply: String?
    public var subscribersOnly: Bool?
    public var transliterate: Bool?
    public var days: Int?
    public var optOutWords: [String]?
    public var optInWords: [String]?
    public var helpWords: [String]?

    public init(name: String, welcome: String, farewell: String, help: String, autoreply: String? = nil, subscribersOnly: Bool? = nil,
                transliterate: Bool? = nil, days: Int? = nil, optOutWords: [String]? = nil, optInWords: [String]? = nil,
                helpWords: [String]? = nil) {
        self.name = name
        self.welcome = welcome
        self.farewell = farewell
        self.help = help
        self.autoreply = autoreply
        self.subscribersOnly = subscribersOnly
        self.transliterate = transliterate
        self.days = days
        self.optOutWords = optOutWords
        self.optInWords = optInWords
        self.helpWords = helpWords
    }

    enum CodingKeys: String, CodingKey {
        case name, welcome, farewell, help, autoreply, transliterate, days
        case subscribersOnly = "subscribers_only"
        case optOutWords = "opt_out_words"
        case optInWords = "opt_in_words"
        case helpWords = "help_words"
    }

    /// - Parameter lists: the other lists at the same number (a prefix must not be their keyword).
    public func validate(number: String, prefix: String?, lists: [SMSList]) -> Result<SMSList, ProblemList> {
        var problems: [String: String] = [:]
        for (field, text) in [("name", name), ("welcome", welcome), ("farewell", farewell), ("help", help)]
        where text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems[field] = "must not be empty"
        }
        if let days, days < 1 { problems["days"] = "must be at least 1" }
        for (field, words) in [("opt_out_words", optOutWords), ("opt_in_words", optInWords), ("help_words", helpWords)] {
            if let words, words.isEmpty || words.contains(where: { $0.isEmpty || $0.contains(" ") }) {
                problems[field] = "must be single words, at least one"
            }
        }
        let standard = SMSKeywords.standard
        let keywords = SMSKeywords(optOut: optOutWords.map(Set.init) ?? standard.optOut, optIn: optInWords.map(Set.init) ?? standard.optIn,
                                   help: helpWords.map(Set.init) ?? standard.help)
        if let prefix {
            let others = lists.filter { $0.number == number && $0.prefix != SMSKeywords.fold(prefix) }
            if let problem = SMSRouting.prefixProblem(prefix, keywords: keywords, lists: others) { problems["list"] = problem }
        }
        guard problems.isEmpty else { return .failure(ProblemList(problems)) }
        return .success(SMSList(number: number, prefix: prefix, name: name, welcome: welcome, farewell: farewell, help: help,
                                autoreply: autoreply.flatMap { $0.isEmpty ? nil : $0 }, keywords: keywords,
                                subscribersOnly: subscribersOnly ?? false, transliterate: transliterate ?? false, days: days ?? 7))
    }
}
