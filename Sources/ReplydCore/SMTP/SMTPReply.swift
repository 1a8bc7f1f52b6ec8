/// One SMTP reply (RFC 5321 section 4.2), possibly multi-line, with an RFC 3463 enhanced status code.
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var enhanced: String?
    public var lines: [String]

    public init(_ code: Int, _ enhanced: String?, _ lines: [String]) {
        self.code = code
        self.enhanced = enhanced
        self.lines = lines.isEmpty ? [""] : lines
    }

    public init(_ code: Int, _ enhanced: String?, _ text: String) {
        self.init(code, enhanced, [text])
    }

    /// Wire form, every line CRLF-terminated. ENHANCEDSTATUSCODES puts the enhanced code on each line.
    public var wire: String {
        var out = ""
        for (index, line) in lines.enumerated() {
            out += String(code)
            out += index == lines.count - 1 ? " " : "-"
            if let enhanced { out += enhanced + " " }
            out += Self.safe(line)
            out += "\r\n"
        }
        return out
    }

    /// Longest text of one reply line: with code and enhanced code it stays within RFC 5321's 512.
    static let maxLineText = 480

    /// Replies echo what the client sent (an EHLO name, an address, a parameter): a control character
    /// there would end or corrupt the reply line, and a long one would break the line limit.
    static func safe(_ line: String) -> String {
        if line.utf8.count <= maxLineText, line.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return line }
        var out = String.UnicodeScalarView()
        var bytes = 0
        for scalar in line.unicodeScalars {
            let clean: Unicode.Scalar = scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
                || scalar == "\u{2028}" || scalar == "\u{2029}" ? "?" : scalar
            let size = String(clean).utf8.count
            if bytes + size > maxLineText - 3 {
                out.append("…")
                break
            }
            out.append(clean)
            bytes += size
        }
        return String(out)
    }

    public var description: String { wire.replacingOccurrences(of: "\r\n", with: "\\r\\n") }

    public var isPositive: Bool { code < 400 }
}

extension SMTPReply {
    public static func ok(_ enhanced: String = "2.0.0", _ text: String = "Ok") -> SMTPReply {
        SMTPReply(250, enhanced, text)
    }
}
