/// Input that the TOML parser bundled with TOMLKit (toml++ 3.4) cannot be given: a table header
/// whose first character cannot start a key (`[`, `[.a]`, `[#x`, `[żółw]`) trips an assertion in
/// it that aborts the process, so `check-config` would crash instead of naming the line. Those are
/// found here first with a small, linear scan that knows strings, comments and multi-line arrays.
enum TOMLPreflight {
    static func firstProblem(in text: String) -> (line: Int, message: String)? {
        let bytes = Array(text.utf8)
        // toml++ skips a UTF-8 byte order mark; so does this.
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var atLineStart = true
        var depth = 0  // brackets and braces open in a value

        func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        func isTriple(_ quote: UInt8) -> Bool { at(0) == quote && at(1) == quote && at(2) == quote }

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                atLineStart = true
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "#"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                atLineStart = false
                let literal = byte == UInt8(ascii: "'")
                if isTriple(byte) {
                    index += 3
                    while index < bytes.count && !isTriple(byte) {
                        if !literal && bytes[index] == UInt8(ascii: "\\") {
                            // An escape, or a line-ending backslash: the line it ends still counts.
                            if at(1) == UInt8(ascii: "\n") { line += 1 }
                            index += 2
                            continue
                        }
                        if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                        index += 1
                    }
                    index += 3
                    // Up to two more quotes belong to the string (`"""x""""` ends in `x"`).
                    for _ in 0..<2 where index < bytes.count && bytes[index] == byte { index += 1 }
                } else {
                    index += 1
                    while index < bytes.count && bytes[index] != byte && bytes[index] != UInt8(ascii: "\n") {
                        index += !literal && bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    if index < bytes.count && bytes[index] == byte { index += 1 }
                }
            case UInt8(ascii: "[") where atLineStart && depth == 0:
                // A table header: `[` or `[[`, optional white space, then a key or the closing `]`.
                var next = index + 1
                if next < bytes.count && bytes[next] == UInt8(ascii: "[") { next += 1 }
                while next < bytes.count && (bytes[next] == UInt8(ascii: " ") || bytes[next] == UInt8(ascii: "\t")) { next += 1 }
                guard next < bytes.count, startsKey(bytes[next]) || bytes[next] == UInt8(ascii: "]") else {
                    return (line, "a table header must start with a key, e.g. [smtp]")
                }
                // The rest of the header line cannot open a value.
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                atLineStart = false
                depth += 1
                index += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                atLineStart = false
                depth = max(0, depth - 1)
                index += 1
            default:
                atLineStart = false
                index += 1
            }
        }
        return nil
    }

    /// TOML 1.0 bare keys are ASCII letters, digits, `_` and `-`; other keys are quoted.
    static func startsKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""), UInt8(ascii: "'"):
            return true
        default:
            return false
        }
    }
}
