import Foundation

/// Which of the lists at a number an inbound SMS is for. Several lists may share one number, each
/// picked by a keyword prefix: "PIZZA STOP" leaves the PIZZA list, "PIZZA" alone joins it, anything
/// else goes to the number's own list (the one without a prefix). Pure.
public enum SMSRouting {
    public struct Route: Sendable, Equatable {
        /// The lists the message acts on. The reply, if any, comes from the first that has one.
        public var lists: [SMSList]
        /// The message without the prefix that picked the list.
        public var text: String
        /// Known from routing alone, or nil to read it from `text`.
        public var intent: SMSKeywords.Intent?
    }

    public static func route(text: String, lists: [SMSList]) -> Route? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let own = lists.first { $0.prefix == nil }
        let ordered = (own.map { [$0] } ?? []) + lists.filter { $0.prefix != nil }.sorted { $0.key < $1.key }
        // A bare opt-out word stops every list at the number: whoever texts STOP to a shared number
        // wants nothing more from it (the carriers' rule for short codes), not a guess at which list.
        // Checked first, with the standard words and every list's own, so no prefix can shadow it.
        if !ordered.isEmpty, isOptOut(trimmed, lists: ordered) {
            return Route(lists: ordered, text: trimmed, intent: .optOut)
        }
        let parts = trimmed.split(maxSplits: 1, omittingEmptySubsequences: true, whereSeparator: \.isWhitespace)
        if let first = parts.first {
            let word = SMSKeywords.fold(String(first))
            if let list = lists.first(where: { $0.prefix == word }) {
                let rest = parts.count > 1 ? String(parts[1]) : ""
                return Route(lists: [list], text: rest, intent: rest.isEmpty ? .optIn : nil)
            }
        }
        guard let own else { return nil }
        return Route(lists: [own], text: text, intent: nil)
    }

    public static func isOptOut(_ text: String, lists: [SMSList]) -> Bool {
        SMSKeywords.standard.intent(of: text) == .optOut || lists.contains { $0.keywords.intent(of: text) == .optOut }
    }

    /// Why `prefix` cannot name a list at a number that has `lists` (nil: it can): a keyword of the
    /// standard set or of any list there would turn that keyword into the list's name.
    public static func prefixProblem(_ prefix: String, keywords: SMSKeywords, lists: [SMSList]) -> String? {
        guard !prefix.isEmpty, prefix.allSatisfy({ $0.isLetter || $0.isNumber }) else {
            return "the prefix must be a single word of letters and digits"
        }
        let all = [SMSKeywords.standard, keywords] + lists.map(\.keywords)
        if all.contains(where: { $0.intent(of: prefix) != .message }) {
            return "the prefix \"\(prefix)\" is a keyword itself (STOP, START, HELP or a list's own word)"
        }
        return nil
    }
}
