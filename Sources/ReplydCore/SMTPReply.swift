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
            out += line
            out += "\r\n"
        }
        return out
    }

    public var description: String { wire.replacingOccurrences(of: "\r\n", with: "\\r\\n") }

    public var isPositive: Bool { code < 400 }
}

extension SMTPReply {
    public static func ok(_ enhanced: String = "2.0.0", _ text: String = "Ok") -> SMTPReply {
        SMTPReply(250, enhanced, text)
    }
}
