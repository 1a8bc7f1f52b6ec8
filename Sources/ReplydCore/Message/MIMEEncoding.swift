import Foundation

/// The encodings a reply needs: RFC 2047 for header text, quoted-printable (RFC 2045) for the body,
/// and the scrubbing that keeps text from the inbound message from forming headers of its own.
public enum MIMEEncoding {
    /// Removes CR, LF and other control characters: a value copied from an inbound header can then
    /// never end the header it is put in (header injection).
    public static func scrubbed(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" ? " " : $0
        }))
    }

    /// A header field, `Name: value`, with the value RFC 2047-encoded when it is not plain ASCII (or
    /// has a word too long to fold) and folded so that no line exceeds 78 characters (RFC 2047
    /// section 2, RFC 5322 2.1.1). The result ends without CRLF.
    public static func header(_ name: String, _ value: String) -> String {
        let clean = scrubbed(value)
        if !needsEncoding(clean), let folded = foldedWithinLimit(name + ": " + clean) { return folded }
        return name + ": " + encodedWords(clean, firstLineUsed: name.count + 2).joined(separator: "\r\n ")
    }

    /// `From`/`To`-style field with a display name: only the name is encoded, the address stays
    /// readable (`=?UTF-8?B?...?= <jan@firma.pl>`).
    public static func addressHeader(_ name: String, displayName: String?, address: String) -> String {
        guard let displayName, !displayName.isEmpty else { return "\(name): <\(address)>" }
        let clean = scrubbed(displayName)
        if !needsEncoding(clean), let folded = foldedWithinLimit("\(name): \(phrase(clean)) <\(address)>") { return folded }
        let words = encodedWords(clean, firstLineUsed: name.count + 2)
        return name + ": " + words.joined(separator: "\r\n ") + "\r\n <\(address)>"
    }

    static func needsEncoding(_ text: String) -> Bool {
        !text.unicodeScalars.allSatisfy { $0.isASCII } || text.contains("=?")
    }

    /// An RFC 5322 phrase: quoted when it holds specials.
    static func phrase(_ text: String) -> String {
        let specials = CharacterSet(charactersIn: "()<>[]:;@\\,.\"")
        guard text.unicodeScalars.contains(where: { specials.contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Base64 encoded words split between whole characters. 45 bytes of UTF-8 make 60 of base64, plus
    /// 12 for the `=?UTF-8?B??=` frame: 72, which fits a continuation line (" " + word) within 76.
    /// The first word shares its line with `Name: `.
    static func encodedWords(_ text: String, firstLineUsed: Int) -> [String] {
        var words: [String] = []
        var chunk = ""
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?UTF-8?B?" + Data(chunk.utf8).base64EncodedString() + "?=")
            chunk = ""
        }
        let firstLimit = max(3, (76 - firstLineUsed - 12) / 4 * 3)
        func add(_ piece: String) {
            if chunk.utf8.count + piece.utf8.count > (words.isEmpty ? firstLimit : 45) { flush() }
            chunk += piece
        }
        for character in text {
            if character.utf8.count <= (words.isEmpty ? firstLimit : 45) {
                add(String(character))
            } else {
                // A grapheme cluster of many combining marks: split it between its scalars rather than
                // make one word that no line can hold.
                for scalar in character.unicodeScalars { add(String(scalar)) }
            }
        }
        flush()
        return words
    }

    /// `fold`, or nil when a single word would still leave a line over 78 characters.
    static func foldedWithinLimit(_ line: String) -> String? {
        let folded = fold(line)
        return folded.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 78 } ? folded : nil
    }

    /// Folds an unstructured ASCII header at spaces to keep lines within 78 characters where possible.
    static func fold(_ line: String) -> String {
        guard line.count > 78 else { return line }
        var out = ""
        var current = ""
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count > 78 {
                out += current + "\r\n"
                current = " " + word
            } else {
                current += " " + word
            }
        }
        return out + current
    }

    /// Quoted-printable with CRLF hard line breaks and lines of at most 76 characters.
    /// A whole message: `headers` (each already encoded), the MIME headers of a UTF-8 plain-text
    /// body, and the body quoted-printable, CRLF line ends.
    public static func plainTextMessage(headers: [String], body: String) -> [UInt8] {
        let mime = ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]
        return Array(((headers + mime).joined(separator: "\r\n") + "\r\n\r\n" + quotedPrintable(body)).utf8)
    }

    /// multipart/alternative (RFC 2046 5.1.4): the plain text first, the HTML after it, both UTF-8
    /// quoted-printable. The boundary starts "=_", which quoted-printable can never produce.
    public static func alternativeMessage(headers: [String], plain: String, html: String) -> [UInt8] {
        let plainPart = quotedPrintable(plain)
        let htmlPart = quotedPrintable(html)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (plainPart + htmlPart).utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let boundary = "=_replyd_\(String(hash, radix: 16))"
        let mime = ["MIME-Version: 1.0", "Content-Type: multipart/alternative; boundary=\"\(boundary)\""]
        let text = (headers + mime).joined(separator: "\r\n") + "\r\n\r\n"
            + "--\(boundary)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + plainPart + "\r\n"
            + "--\(boundary)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + htmlPart + "\r\n"
            + "--\(boundary)--\r\n"
        return Array(text.utf8)
    }

    public static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            var column = 0
            let bytes = Array(line.utf8)
            for (position, byte) in bytes.enumerated() {
                let isLast = position == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 32 || byte == 9) && !isLast)  // trailing white space must be encoded
                let width = literal ? 1 : 3
                // Leave room for a soft break "=" unless this is the line's last character.
                if column + width > (isLast ? 76 : 75) {
                    output += Array("=\r\n".utf8)
                    column = 0
                }
                if literal {
                    output.append(byte)
                } else {
                    output += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                }
                column += width
            }
            if index < lines.count - 1 { output += Array("\r\n".utf8) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// RFC 5322 date, e.g. `Wed, 25 Nov 2026 14:03:00 +0000`. Every accepted message's trace and every
    /// reply carry one: `UTCDateParts` is integer arithmetic, a `Calendar` cost far more.
    public static func date(_ date: Date) -> String {
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let d = UTCDateParts(date)
        let p = UTCDateParts.padded
        return "\(weekdays[d.weekday]), \(d.day) \(months[d.month - 1]) \(d.year) \(p(d.hour, 2)):\(p(d.minute, 2)):\(p(d.second, 2)) +0000"
    }
}
