import Foundation

/// RFC 2047 decoding of header text such as `=?UTF-8?Q?Urlop_=C5=82?=` or `=?iso-8859-2?B?...?=`.
/// Words that cannot be decoded are left as they are, which is what mail readers do.
public enum EncodedWords {
    public static func decode(_ text: String) -> String {
        guard text.contains("=?") else { return text }
        var output = ""
        var pendingWhitespace = ""
        var lastWasEncoded = false
        var rest = Substring(text)
        while !rest.isEmpty {
            if rest.hasPrefix("=?"), let (decoded, after) = decodeWord(rest) {
                // White space between two adjacent encoded words is dropped (RFC 2047 section 6.2).
                if !lastWasEncoded { output += pendingWhitespace }
                pendingWhitespace = ""
                output += decoded
                lastWasEncoded = true
                rest = after
                continue
            }
            let ch = rest.removeFirst()
            if ch == " " || ch == "\t" {
                pendingWhitespace.append(ch)
            } else {
                output += pendingWhitespace
                pendingWhitespace = ""
                output.append(ch)
                lastWasEncoded = false
            }
        }
        return output + pendingWhitespace
    }

    /// Decodes one `=?charset?enc?text?=` at the start of `text`.
    static func decodeWord(_ text: Substring) -> (String, Substring)? {
        let body = text.dropFirst(2)
        guard let q1 = body.firstIndex(of: "?") else { return nil }
        var charset = body[..<q1]
        if let star = charset.firstIndex(of: "*") { charset = charset[..<star] }  // RFC 2231 language
        let afterCharset = body[body.index(after: q1)...]
        guard let q2 = afterCharset.firstIndex(of: "?"), afterCharset.distance(from: afterCharset.startIndex, to: q2) == 1 else {
            return nil
        }
        let encoding = afterCharset[afterCharset.startIndex].uppercased()
        let payloadStart = afterCharset.index(after: q2)
        guard let end = afterCharset[payloadStart...].range(of: "?=") else { return nil }
        let payload = afterCharset[payloadStart..<end.lowerBound]
        if payload.contains(" ") { return nil }
        let bytes: [UInt8]?
        switch encoding {
        case "B": bytes = Data(base64Encoded: padBase64(String(payload))).map { Array($0) }
        case "Q": bytes = decodeQ(payload)
        default: bytes = nil
        }
        guard let bytes, let string = decodeCharset(bytes, charset: charset.lowercased()) else { return nil }
        return (string, afterCharset[end.upperBound...])
    }

    static func padBase64(_ text: String) -> String {
        let remainder = text.count % 4
        return remainder == 0 ? text : text + String(repeating: "=", count: 4 - remainder)
    }

    static func decodeQ(_ payload: Substring) -> [UInt8]? {
        var out: [UInt8] = []
        var iterator = payload.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "_"): out.append(0x20)
            case UInt8(ascii: "="):
                guard let h = iterator.next(), let l = iterator.next(),
                      let hv = hexValue(h), let lv = hexValue(l) else { return nil }
                out.append(hv << 4 | lv)
            default: out.append(byte)
            }
        }
        return out
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func decodeCharset(_ bytes: [UInt8], charset: String) -> String? {
        switch charset {
        case "utf-8", "utf8", "us-ascii", "ascii":
            return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1", "latin1":
            return String(bytes.map { Character(Unicode.Scalar($0)) })
        case "iso-8859-2", "latin2":
            return String(data: Data(bytes), encoding: .isoLatin2)
        case "windows-1250", "cp1250":
            return String(data: Data(bytes), encoding: .windowsCP1250)
        case "windows-1252", "cp1252":
            return String(data: Data(bytes), encoding: .windowsCP1252)
        default:
            return nil
        }
    }
}
