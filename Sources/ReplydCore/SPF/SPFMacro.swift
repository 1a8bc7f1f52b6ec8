/// RFC 7208 7: macro-strings, as the parts of a record's domain-specs and explanations. Parsed once
/// (syntax errors make the record a permerror) and expanded against the facts of one check.
public struct SPFMacroString: Sendable, Equatable {
    enum Piece: Sendable, Equatable {
        case literal(String)
        /// `%{letter digits r delimiters}`; an upper-case letter means URL-escaped.
        case macro(letter: Character, escaped: Bool, keep: Int?, reverse: Bool, delimiters: Set<Character>)
    }

    let pieces: [Piece]

    /// What expansion needs to know about the message and the client.
    public struct Facts: Sendable {
        public var sender: String
        public var domain: String
        public var ip: IPAddress
        public var helo: String
        /// `%{p}`: the client's validated host name, found only when a macro asks for it.
        public var validatedName: String?
        public var receiver: String
        public var timestamp: Int

        var localPart: String { sender.lastIndex(of: "@").map { String(sender[..<$0]) } ?? "postmaster" }
        var senderDomain: String { sender.lastIndex(of: "@").map { String(sender[sender.index(after: $0)...]) } ?? sender }
    }

    public enum Problem: Error, Equatable, Sendable {
        case syntax(String)
    }

    static let letters: Set<Character> = ["s", "l", "o", "d", "i", "p", "h", "c", "r", "t", "v"]
    static let delimiterSet: Set<Character> = [".", "-", "+", ",", "/", "_", "="]

    /// `explanation`: an explain-string (spaces allowed, and the c, r and t macros).
    public static func parse(_ text: Substring, explanation: Bool = false) throws(Problem) -> SPFMacroString {
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = ""
        }
        while index < text.endIndex {
            let character = text[index]
            guard character.isASCII, let ascii = character.asciiValue, ascii >= 0x20, ascii < 0x7F else {
                throw .syntax("a character outside visible ASCII")
            }
            if character == " " && !explanation { throw .syntax("a space inside a term") }
            guard character == "%" else {
                literal.append(character)
                index = text.index(after: index)
                continue
            }
            let next = text.index(after: index)
            guard next < text.endIndex else { throw .syntax("a lone % at the end") }
            switch text[next] {
            case "%": literal.append("%"); index = text.index(after: next)
            case "_": literal.append(" "); index = text.index(after: next)
            case "-": literal.append("%20"); index = text.index(after: next)
            case "{":
                guard let close = text[next...].firstIndex(of: "}") else { throw .syntax("%{ without }") }
                let body = text[text.index(after: next)..<close]
                guard let letter = body.first, Self.letters.contains(Character(letter.lowercased())) else {
                    throw .syntax("unknown macro letter in %{\(body)}")
                }
                let lower = Character(letter.lowercased())
                if !explanation && ["c", "r", "t"].contains(lower) { throw .syntax("%{\(letter)} is only allowed in explanations") }
                var rest = body.dropFirst()
                let digits = rest.prefix { $0.isASCII && $0.isNumber }
                rest = rest.dropFirst(digits.count)
                var keep: Int?
                if !digits.isEmpty {
                    // Digits beyond any count of parts mean "all of them".
                    guard let value = Int(digits.prefix(4)), value > 0 else { throw .syntax("a zero count in %{\(body)}") }
                    keep = value
                }
                var reverse = false
                if rest.first == "r" || rest.first == "R" {
                    reverse = true
                    rest = rest.dropFirst()
                }
                var delimiters = Set<Character>()
                for character in rest {
                    guard Self.delimiterSet.contains(character) else { throw .syntax("bad delimiter in %{\(body)}") }
                    delimiters.insert(character)
                }
                flush()
                pieces.append(.macro(letter: lower, escaped: letter.isUppercase, keep: keep, reverse: reverse,
                                     delimiters: delimiters.isEmpty ? ["."] : delimiters))
                index = text.index(after: close)
            default:
                throw .syntax("% followed by \(text[next])")
            }
        }
        flush()
        return SPFMacroString(pieces: pieces)
    }

    var endsWithMacro: Bool {
        if case .macro = pieces.last { return true }
        return false
    }

    /// The literal text after the last macro.
    var literalTail: String {
        if case .literal(let text) = pieces.last { return text }
        return ""
    }

    public var usesValidatedName: Bool {
        pieces.contains { if case .macro(letter: "p", _, _, _, _) = $0 { true } else { false } }
    }

    public func expand(_ facts: Facts) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text):
                out += text
            case .macro(let letter, let escaped, let keep, let reverse, let delimiters):
                let value: String
                switch letter {
                case "s": value = facts.sender
                case "l": value = facts.localPart
                case "o": value = facts.senderDomain
                case "d": value = facts.domain
                case "i": value = facts.ip.macroText
                case "p": value = facts.validatedName ?? "unknown"
                case "v": value = facts.ip.isIPv4 ? "in-addr" : "ip6"
                case "h": value = facts.helo
                case "c": value = facts.ip.description
                case "r": value = facts.receiver
                default: value = String(facts.timestamp)  // "t"
                }
                var parts = value.split(omittingEmptySubsequences: false) { delimiters.contains($0) }.map(String.init)
                if reverse { parts.reverse() }
                if let keep, keep < parts.count { parts = Array(parts.suffix(keep)) }
                let joined = parts.joined(separator: ".")
                out += escaped ? Self.urlEscaped(joined) : joined
            }
        }
        return out
    }

    /// RFC 3986 unreserved characters stay; everything else becomes %XX.
    static func urlEscaped(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if character.isASCII && (character.isLetter || character.isNumber || "-._~".contains(character)) {
                out.append(character)
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
