/// RFC 5322 header section: split from the body, unfolded, in order, names case-insensitive.
public struct HeaderField: Sendable, Equatable {
    public var name: String
    /// The unfolded value with leading white space removed; still RFC 2047-encoded where it was.
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public struct HeaderFields: Sendable, Equatable {
    public var fields: [HeaderField]

    public init(_ fields: [HeaderField]) { self.fields = fields }

    /// Every value of a header, in message order (`Auto-Submitted` may legally appear more than once).
    public func values(_ name: String) -> [String] {
        fields.compactMap { $0.name.caseInsensitiveEquals(name) ? $0.value : nil }
    }

    public func first(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Parses the header section at the top of `message`. Lines that are neither a field nor a
    /// continuation are skipped: a malformed header must not stop a message from being logged.
    public static func parse(_ message: [UInt8]) -> HeaderFields {
        var fields: [HeaderField] = []
        var index = message.startIndex
        var current: (name: String, value: [UInt8])?

        func flush() {
            guard let field = current else { return }
            let value = String(decoding: field.value, as: UTF8.self)
            fields.append(HeaderField(name: field.name, value: value.trimmingWhitespace()))
            current = nil
        }

        while index < message.endIndex {
            let lineEnd = message[index...].firstIndex(of: UInt8(ascii: "\n")) ?? message.endIndex
            var line = message[index..<lineEnd]
            index = lineEnd < message.endIndex ? lineEnd + 1 : lineEnd
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty { break }  // end of the header section
            if line.first == UInt8(ascii: " ") || line.first == UInt8(ascii: "\t") {
                // Unfolding (RFC 5322 2.2.3): the CRLF goes, the white space stays.
                current?.value.append(contentsOf: line)
                continue
            }
            flush()
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let nameBytes = line[line.startIndex..<colon]
            // Field names are printable US-ASCII without space or colon (RFC 5322 3.6.8); a trailing
            // space before the colon is obsolete syntax that we still read.
            let trimmedName = nameBytes.reversed().drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.reversed()
            guard !trimmedName.isEmpty, trimmedName.allSatisfy({ $0 > 32 && $0 < 127 }) else { continue }
            current = (String(decoding: trimmedName, as: UTF8.self), Array(line[(colon + 1)...]))
        }
        flush()
        return HeaderFields(fields)
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }

    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[start...end])
    }
}
