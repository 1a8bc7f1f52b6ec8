/// Pulls the addr-specs out of an RFC 5322 address-list header value (`To`, `Cc`, `From`, ...):
/// `"Kowalski, Jan" <jan@firma.pl>, ola@firma.pl (Ola), undisclosed-recipients:;`.
/// Display names, comments and group syntax are skipped; addresses come back lower-cased.
public enum AddressList {
    public static func addresses(in value: String) -> [String] {
        mailboxes(in: value).map(\.address)
    }

    /// Each mailbox with its display name, when it has one.
    public static func mailboxes(in value: String) -> [(name: String?, address: String)] {
        var result: [(String?, String)] = []
        var phrase = ""       // text outside brackets: a display name, or a bare addr-spec
        var angle: String?    // text inside <...>
        var inQuotes = false
        var commentDepth = 0
        var escaped = false

        func finish() {
            let name = phrase.trimmingWhitespace()
            if let inside = angle {
                let address = inside.trimmingWhitespace()
                // A route-addr may carry an obsolete source route: <@a,@b:user@host>.
                let cleaned = address.hasPrefix("@") ? String(address.drop { $0 != ":" }.dropFirst()) : address
                if cleaned.contains("@") {
                    result.append((name.isEmpty ? nil : EncodedWords.decode(unquote(name)), cleaned.lowercased()))
                }
            } else if name.contains("@"), !name.contains(" ") {
                result.append((nil, name.lowercased()))
            }
            phrase = ""
            angle = nil
        }

        for ch in value {
            if escaped {
                escaped = false
                if angle != nil { angle!.append(ch) } else { phrase.append(ch) }
                continue
            }
            if commentDepth > 0 {
                if ch == "\\" { escaped = true } else if ch == "(" { commentDepth += 1 } else if ch == ")" { commentDepth -= 1 }
                continue
            }
            if inQuotes {
                if ch == "\\" { escaped = true; continue }
                if ch == "\"" { inQuotes = false }
                if angle != nil { angle!.append(ch) } else { phrase.append(ch) }
                continue
            }
            switch ch {
            case "\"":
                inQuotes = true
                if angle != nil { angle!.append(ch) } else { phrase.append(ch) }
            case "(":
                commentDepth = 1
            case "<":
                angle = ""
            case ">":
                break
            case ",", ";":
                finish()
            case ":" where angle == nil:
                // "group-name:" starts a group; what came before was its name, not an address.
                phrase = ""
            default:
                if angle != nil { angle!.append(ch) } else { phrase.append(ch) }
            }
        }
        finish()
        return result
    }

    static func unquote(_ text: String) -> String {
        guard text.count >= 2, text.first == "\"", text.last == "\"" else { return text }
        return String(text.dropFirst().dropLast())
    }
}
