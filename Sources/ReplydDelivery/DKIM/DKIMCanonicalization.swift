/// The "relaxed" forms of header fields and body a DKIM signature covers (RFC 6376 3.4.2, 3.4.4),
/// computed over the message as it will be transmitted: a bare LF counts as CRLF, as the SMTP client
/// sends it that way. Pure and linear in the message.
public enum DKIMCanonicalization {
    /// A message's header fields (each with its folding, without the final line break) and its body.
    public struct Parts: Sendable {
        public var fields: [ArraySlice<UInt8>]
        public var body: ArraySlice<UInt8>
    }

    static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    public static func split(_ message: [UInt8]) -> Parts {
        var fields: [ArraySlice<UInt8>] = []
        var fieldStart: Int?
        var index = 0
        while index < message.count {
            let lineEnd = message[index...].firstIndex(of: lf) ?? message.count
            var contentEnd = lineEnd
            if contentEnd > index && message[contentEnd - 1] == cr { contentEnd -= 1 }
            if contentEnd == index {
                // The empty line: the body starts after it.
                if let start = fieldStart { fields.append(message[start..<fieldEnd(message, before: index)]) }
                return Parts(fields: fields, body: message[min(lineEnd + 1, message.count)...])
            }
            let continuation = message[index] == space || message[index] == tab
            if !continuation {
                if let start = fieldStart { fields.append(message[start..<fieldEnd(message, before: index)]) }
                fieldStart = index
            }
            index = lineEnd + 1
        }
        if let start = fieldStart { fields.append(message[start..<fieldEnd(message, before: message.count)]) }
        return Parts(fields: fields, body: message[message.count...])
    }

    /// Where a field that ends at the line starting at `next` ends, without its line break.
    private static func fieldEnd(_ message: [UInt8], before next: Int) -> Int {
        var end = next
        if end > 0 && message[end - 1] == lf { end -= 1 }
        if end > 0 && message[end - 1] == cr { end -= 1 }
        return end
    }

    /// The field's name as `h=` lists it: lower case, without white space.
    public static func name(of field: ArraySlice<UInt8>) -> String {
        let end = field.firstIndex(of: colon) ?? field.endIndex
        return String(decoding: field[field.startIndex..<end].filter { $0 != space && $0 != tab }, as: UTF8.self).lowercased()
    }

    /// RFC 6376 3.4.2: name lower-cased, the value unfolded, runs of white space made one space, white
    /// space around the colon and at the end removed; followed by CRLF.
    public static func relaxedHeader(_ field: ArraySlice<UInt8>) -> [UInt8] {
        var out = Array(name(of: field).utf8)
        out.append(colon)
        guard let separator = field.firstIndex(of: colon) else { return out + [cr, lf] }
        var pendingSpace = false
        var started = false
        for byte in field[(separator + 1)...] {
            switch byte {
            case cr, lf: continue  // folding: the line break goes, the white space after it stays
            case space, tab: pendingSpace = started
            default:
                if pendingSpace { out.append(space) }
                pendingSpace = false
                started = true
                out.append(byte)
            }
        }
        return out + [cr, lf]
    }

    /// RFC 6376 3.4.4: white space at line ends removed, runs of it made one space, empty lines at the
    /// end removed; every line ends in CRLF; an empty body stays empty.
    public static func relaxedBody(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var emptyLines = 0
        var line: [UInt8] = []
        var index = body.startIndex
        while index < body.endIndex {
            let lineEnd = body[index...].firstIndex(of: lf) ?? body.endIndex
            var contentEnd = lineEnd
            if contentEnd > index && body[contentEnd - 1] == cr { contentEnd -= 1 }
            line.removeAll(keepingCapacity: true)
            var pendingSpace = false
            for byte in body[index..<contentEnd] {
                if byte == space || byte == tab {
                    pendingSpace = true
                } else {
                    if pendingSpace { line.append(space) }
                    pendingSpace = false
                    line.append(byte)
                }
            }
            if line.isEmpty {
                emptyLines += 1
            } else {
                for _ in 0..<emptyLines { out += [cr, lf] }
                emptyLines = 0
                out += line
                out += [cr, lf]
            }
            index = lineEnd < body.endIndex ? lineEnd + 1 : lineEnd
        }
        return out
    }

    /// The fields `names` picks, in that order, each name taking that name's next instance from the
    /// bottom (RFC 6376 5.4.2); a name with no instance left adds nothing (it is over-signed).
    public static func selected(_ names: [String], from fields: [ArraySlice<UInt8>]) -> [ArraySlice<UInt8>] {
        var byName: [String: [ArraySlice<UInt8>]] = [:]
        for field in fields { byName[name(of: field), default: []].append(field) }
        var picked: [ArraySlice<UInt8>] = []
        for name in names {
            if let field = byName[name]?.popLast() { picked.append(field) }
        }
        return picked
    }
}
