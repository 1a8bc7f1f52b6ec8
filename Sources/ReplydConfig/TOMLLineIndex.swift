/// Where each table and key of a TOML document stands, so that every diagnostic can name its line.
/// TOMLKit reports lines for syntax errors only; for well-formed files this scan supplies them.
/// It understands what configuration files use: `[table]`, `[[array]]`, `key = ...`, quoted and dotted
/// keys, comments, and multi-line strings and arrays (whose inner lines are not mistaken for keys).
struct TOMLLineIndex {
    private var lines: [String: Int] = [:]
    /// The key, or table, that each line introduces.
    private var keysByLine: [Int: String] = [:]

    init(_ text: String) {
        var table = ""
        var multiline: String?  // the closing delimiter while inside a multi-line string
        var bracketDepth = 0
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            let line = rawLine.trimmingCharacters(" \t\r")
            if let closing = multiline {
                if line.contains(closing) { multiline = nil }
                continue
            }
            if bracketDepth > 0 {
                bracketDepth += Self.bracketBalance(line)
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let isArray = line.hasPrefix("[[")
                let inner = line.dropFirst(isArray ? 2 : 1).prefix { $0 != "]" }
                table = Self.normalizeKey(inner)
                record(table, lineNumber)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = Self.normalizeKey(line[..<equals])
            record(table.isEmpty ? key : "\(table).\(key)", lineNumber)
            let value = line[line.index(after: equals)...].trimmingCharacters(" \t")
            for delimiter in ["\"\"\"", "'''"] where value.hasPrefix(delimiter) {
                if !value.dropFirst(3).contains(delimiter) { multiline = delimiter }
            }
            if value.hasPrefix("[") { bracketDepth = max(0, Self.bracketBalance(value)) }
        }
    }

    private mutating func record(_ key: String, _ line: Int) {
        if lines[key] == nil { lines[key] = line }
        keysByLine[line] = key
    }

    /// The key defined on `line`, if the line defines one (used to name the key of a syntax error).
    func key(atLine line: Int) -> String? { keysByLine[line] }

    /// The line of `dotted.key`, else of its table, else nil.
    func line(of key: String) -> Int? {
        var candidate = Substring(key)
        while true {
            if let line = lines[String(candidate)] { return line }
            guard let dot = candidate.lastIndex(of: ".") else { return nil }
            candidate = candidate[..<dot]
        }
    }

    static func normalizeKey(_ raw: Substring) -> String {
        raw.split(separator: ".").map { part in
            var piece = part.trimmingCharacters(" \t")
            if piece.count >= 2, (piece.first == "\"" && piece.last == "\"") || (piece.first == "'" && piece.last == "'") {
                piece = String(piece.dropFirst().dropLast())
            }
            return piece
        }.joined(separator: ".")
    }

    static func bracketBalance(_ text: some StringProtocol) -> Int {
        var balance = 0
        var quote: Character?
        for ch in text {
            if let open = quote {
                if ch == open { quote = nil }
                continue
            }
            switch ch {
            case "\"", "'": quote = ch
            case "[": balance += 1
            case "]": balance -= 1
            case "#": return balance
            default: break
            }
        }
        return balance
    }
}

extension StringProtocol {
    func trimmingCharacters(_ set: String) -> String {
        let chars = Array(self)
        var start = 0
        var end = chars.count
        while start < end, set.contains(chars[start]) { start += 1 }
        while end > start, set.contains(chars[end - 1]) { end -= 1 }
        return String(chars[start..<end])
    }
}
