import Foundation

/// What an inbound SMS asks for. A keyword is the whole message: trimmed, case- and
/// diacritic-insensitive ("stop", " STOP ", "Nie" and "NIE" are keywords; "STOP PLEASE" is not), as
/// carriers and providers such as Twilio treat them.
public struct SMSKeywords: Sendable, Equatable, Codable {
    public enum Intent: String, Sendable, Equatable {
        case optOut = "opt-out"
        case optIn = "opt-in"
        case help
        case message
    }

    public var optOut: Set<String>
    public var optIn: Set<String>
    public var help: Set<String>

    /// The defaults: carrier/Twilio words plus the Polish ones.
    public static let standard = SMSKeywords(
        optOut: ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "NIE"],
        optIn: ["START", "YES", "UNSTOP", "TAK"],
        help: ["HELP", "INFO", "POMOC"])

    public init(optOut: Set<String>, optIn: Set<String>, help: Set<String>) {
        self.optOut = Set(optOut.map(Self.fold))
        self.optIn = Set(optIn.map(Self.fold))
        self.help = Set(help.map(Self.fold))
    }

    public func intent(of text: String) -> Intent {
        let word = Self.fold(text)
        // Opt-out wins over everything: a word in two lists must never keep someone subscribed.
        if optOut.contains(word) { return .optOut }
        if optIn.contains(word) { return .optIn }
        if help.contains(word) { return .help }
        return .message
    }

    /// Trimmed, upper-cased, without diacritics (Polish ł has no decomposition: mapped by hand).
    public static func fold(_ text: String) -> String {
        let edges = CharacterSet.whitespacesAndNewlines.union(.punctuationCharacters)
        let stripped = text.trimmingCharacters(in: edges).folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
        // Trimmed again: a combining mark on a trailing newline hid it from the first trim (found by
        // scripts/fuzz sms), and a folded key must fold to itself.
        return stripped.replacingOccurrences(of: "ł", with: "l").replacingOccurrences(of: "Ł", with: "L").uppercased()
            .trimmingCharacters(in: edges)
    }
}
