import ReplydCore

/// The client side's pure pieces of SMTP: reading replies and writing message data.
public enum SMTPClientCodec {
    /// Reassembles replies from lines (`250-...` continues, `250 ...` ends). Feed one line at a time
    /// without its CRLF; a complete reply comes back, else nil.
    public struct ReplyReader: Sendable {
        private var code: Int?
        private var lines: [String] = []

        public init() {}

        public enum Failure: Error, Equatable, Sendable {
            case malformed(String)
        }

        public mutating func feed(_ line: String) throws(Failure) -> SMTPReply? {
            let scalars = Array(line.utf8)
            guard scalars.count >= 3, let number = Int(String(decoding: scalars[0..<3], as: UTF8.self)),
                  (200...599).contains(number) else {
                throw .malformed(line)
            }
            if let code, code != number { throw .malformed(line) }
            code = number
            let separator: UInt8? = scalars.count > 3 ? scalars[3] : nil
            let text = scalars.count > 4 ? String(decoding: scalars[4...], as: UTF8.self) : ""
            lines.append(text)
            guard separator != UInt8(ascii: "-") else { return nil }
            defer {
                self.code = nil
                lines = []
            }
            // Split off an RFC 3463 enhanced code when the reply carries one (x.y.z).
            var enhanced: String?
            var texts = lines
            if let first = texts.first, let space = first.firstIndex(of: " ") ?? (first.isEmpty ? nil : first.endIndex) {
                let candidate = first[..<space]
                let parts = candidate.split(separator: ".")
                if parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }),
                   candidate.first == String(number).first {
                    enhanced = String(candidate)
                    texts = texts.map { line in
                        line.hasPrefix(candidate) ? String(line.dropFirst(candidate.count).drop { $0 == " " }) : line
                    }
                }
            }
            return SMTPReply(number, enhanced, texts)
        }
    }

    /// The DATA payload: dot-stuffed (RFC 5321 4.5.2), CRLF line ends, ending with CRLF "." CRLF.
    public static func dataPayload(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 50 + 5)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in message {
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { out.append(UInt8(ascii: "\r")) }
            if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
            previous = byte
        }
        if !atLineStart { out += [UInt8(ascii: "\r"), UInt8(ascii: "\n")] }
        out += [UInt8(ascii: "."), UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        return out
    }

    /// The ESMTP extensions a server offered in its EHLO reply, upper-cased keyword -> parameters.
    public static func extensions(of ehlo: SMTPReply) -> [String: String] {
        var result: [String: String] = [:]
        for line in ehlo.lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let keyword = parts.first else { continue }
            result[keyword.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }
}
