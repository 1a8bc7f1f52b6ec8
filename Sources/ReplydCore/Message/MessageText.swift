import Foundation

/// The first line a person typed in a message: the first non-empty line of its first text/plain
/// part, with quoted-printable or base64 undone. Enough to read a keyword ("STOP") written in the
/// body, including from mail clients that always send multipart/alternative. Pure.
public enum MessageText {
    public static func firstLine(of message: [UInt8]) -> String? {
        guard let (headers, body) = split(message) else { return nil }
        return firstLine(headers: headers, body: body, depth: 0)
    }

    static func firstLine(headers: HeaderFields, body: ArraySlice<UInt8>, depth: Int) -> String? {
        let contentType = headers.first("Content-Type") ?? "text/plain"
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? "text/plain"
        if type.hasPrefix("multipart/") {
            guard depth < 5, let boundary = parameter("boundary", in: contentType) else { return nil }
            for part in parts(of: body, boundary: boundary) {
                guard let (partHeaders, partBody) = split(Array(part)) else { continue }
                if let line = firstLine(headers: partHeaders, body: partBody, depth: depth + 1) { return line }
            }
            return nil
        }
        guard type == "text/plain" else { return nil }
        let encoding = headers.first("Content-Transfer-Encoding")?.trimmingCharacters(in: .whitespaces).lowercased()
        let bytes: [UInt8]
        switch encoding {
        case "quoted-printable": bytes = decodeQuotedPrintable(body)
        case "base64":
            let text = String(decoding: body, as: UTF8.self).filter { !$0.isWhitespace }
            bytes = Data(base64Encoded: text).map(Array.init) ?? []
        default: bytes = Array(body)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
    }

    /// Header section and body, split at the first empty line (CRLF or bare LF).
    static func split(_ message: [UInt8]) -> (HeaderFields, ArraySlice<UInt8>)? {
        var index = 0
        while index < message.count {
            if message[index] == 10 {
                let next = index + 1
                if next < message.count && message[next] == 10 { return (HeaderFields.parse(message), message[(next + 1)...]) }
                if next + 1 < message.count && message[next] == 13 && message[next + 1] == 10 {
                    return (HeaderFields.parse(message), message[(next + 2)...])
                }
            }
            index += 1
        }
        // A part with no body, or only headers: nothing typed.
        return message.first == 13 || message.first == 10 ? (HeaderFields([]), message[...]) : nil
    }

    static func parameter(_ name: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            return pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    static func parts(of body: ArraySlice<UInt8>, boundary: String) -> [ArraySlice<UInt8>] {
        let text = String(decoding: body, as: UTF8.self)
        let delimiter = "--" + boundary
        var chunks = text.components(separatedBy: delimiter).dropFirst()
        if let last = chunks.last, last.hasPrefix("--") { chunks = chunks.dropLast() }
        return chunks.map { chunk in
            // The delimiter line's own line break is not part of the part. (Bytes, not Characters:
            // "\r\n" is a single Character in Swift.)
            var part = ArraySlice(Array(chunk.utf8))
            if part.first == 13 { part = part.dropFirst() }
            if part.first == 10 { part = part.dropFirst() }
            return part
        }
    }

    static func decodeQuotedPrintable(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            if byte == UInt8(ascii: "=") {
                let rest = body[(index + 1)...]
                if rest.first == 13 || rest.first == 10 {
                    // Soft line break.
                    index += rest.first == 13 && rest.dropFirst().first == 10 ? 3 : 2
                    continue
                }
                if rest.count >= 2, let high = EncodedWords.hexValue(rest[rest.startIndex]),
                   let low = EncodedWords.hexValue(rest[rest.startIndex + 1]) {
                    out.append(high << 4 | low)
                    index += 3
                    continue
                }
            }
            out.append(byte)
            index += 1
        }
        return out
    }
}
