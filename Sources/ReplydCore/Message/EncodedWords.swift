import Foundation

/// RFC 2047 decoding of header text such as `=?UTF-8?Q?Urlop_=C5=82?=` or `=?iso-8859-2?B?...?=`.
/// Words that cannot be decoded are left as they are, which is what mail readers do.
///
/// Linear in the input, whatever it holds: the `?` and white space that delimit a word are found
/// with cursors that only move forward, and a payload is decoded only behind a charset name we know.
/// (A search for `?=` from every `=?` to the end of the header, as this used to do, made a header
/// of 1 MB of `=?a?q?x` cost an hour of CPU.)
public enum EncodedWords {
    /// Longest charset name read (`iso-8859-2*pl` and the like are far shorter).
    static let maxCharsetLength = 40

    public static func decode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "?")) else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var pendingWhitespace: [UInt8] = []
        var lastWasEncoded = false
        var finder = WordFinder(bytes: bytes)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "="), let (decoded, after) = finder.decodeWord(at: index) {
                // White space between two adjacent encoded words is dropped (RFC 2047 section 6.2).
                if !lastWasEncoded { output += pendingWhitespace }
                pendingWhitespace.removeAll(keepingCapacity: true)
                output += decoded.utf8
                lastWasEncoded = true
                index = after
                continue
            }
            index += 1
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                pendingWhitespace.append(byte)
            } else {
                output += pendingWhitespace
                pendingWhitespace.removeAll(keepingCapacity: true)
                output.append(byte)
                lastWasEncoded = false
            }
        }
        output += pendingWhitespace
        return String(decoding: output, as: UTF8.self)
    }

    /// Finds `=?charset?enc?text?=` at increasing start positions. Every lookup asks for the first
    /// `?` or white space at or after a position that never decreases between calls of its kind, so
    /// each cursor crosses the input once.
    struct WordFinder {
        let bytes: [UInt8]
        var charsetEnd = Cursor()
        var payloadEnd = Cursor()
        var space = Cursor()

        /// The first match at or after `from`. A query at or after `from` but not past `found` is
        /// answered without scanning; past it the scan starts at the new position, so bytes are
        /// scanned once however many words are tried.
        struct Cursor {
            var from = 0
            var found = -1

            mutating func next(in bytes: [UInt8], from position: Int, where match: (UInt8) -> Bool) -> Int {
                if position >= from && position <= found {
                    from = position
                    return found
                }
                var index = position
                while index < bytes.count && !match(bytes[index]) { index += 1 }
                from = position
                found = index
                return index
            }
        }

        static func isQuestion(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "?") }
        static func isSpace(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
        }

        /// Decodes the word starting at `start` (a `=`); returns its text and the index after it.
        mutating func decodeWord(at start: Int) -> (String, Int)? {
            guard start + 1 < bytes.count, bytes[start + 1] == UInt8(ascii: "?") else { return nil }
            let q1 = charsetEnd.next(in: bytes, from: start + 2, where: Self.isQuestion)
            guard q1 - (start + 2) <= EncodedWords.maxCharsetLength, q1 + 2 < bytes.count,
                  bytes[q1 + 2] == UInt8(ascii: "?") else { return nil }
            let q3 = payloadEnd.next(in: bytes, from: q1 + 3, where: Self.isQuestion)
            guard q3 + 1 < bytes.count, bytes[q3 + 1] == UInt8(ascii: "=") else { return nil }
            // Neither charset nor encoded text may hold white space.
            guard space.next(in: bytes, from: start + 2, where: Self.isSpace) > q3 else { return nil }
            var charset = bytes[(start + 2)..<q1]
            if let star = charset.firstIndex(of: UInt8(ascii: "*")) { charset = charset[..<star] }  // RFC 2231 language
            let charsetName = String(decoding: charset, as: UTF8.self).lowercased()
            guard EncodedWords.knownCharsets.contains(charsetName) else { return nil }
            let payload = bytes[(q1 + 3)..<q3]
            let decodedBytes: [UInt8]?
            switch bytes[q1 + 1] | 0x20 {
            case UInt8(ascii: "b"): decodedBytes = EncodedWords.decodeBase64(payload)
            case UInt8(ascii: "q"): decodedBytes = EncodedWords.decodeQ(payload)
            default: decodedBytes = nil
            }
            guard let decodedBytes, let string = EncodedWords.decodeCharset(decodedBytes, charset: charsetName) else { return nil }
            return (string, q3 + 2)
        }
    }

    static let knownCharsets: Set<String> = ["utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1", "iso-8859-2", "latin2",
                                             "windows-1250", "cp1250", "windows-1252", "cp1252"]

    static func decodeBase64(_ payload: ArraySlice<UInt8>) -> [UInt8]? {
        var text = String(decoding: payload, as: UTF8.self)
        let remainder = payload.count % 4
        if remainder != 0 { text += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: text).map { Array($0) }
    }

    static func decodeQ<S: Collection>(_ payload: S) -> [UInt8]? where S.Element == UInt8 {
        var out: [UInt8] = []
        var iterator = payload.makeIterator()
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
