/// Just enough of DNS (RFC 1035) to ask for MX and A records and read the answers, names
/// compressed or not. Pure: bytes in, records out.
public enum DNSMessage {
    public enum RecordType: UInt16, Sendable {
        case a = 1
        case mx = 15
        case aaaa = 28
    }

    public struct MX: Sendable, Equatable {
        public var preference: UInt16
        public var host: String
    }

    public struct Response: Sendable, Equatable {
        public var id: UInt16
        /// RCODE: 0 no error, 3 NXDOMAIN, others are failures.
        public var responseCode: UInt8
        public var truncated: Bool
        public var mx: [MX]
        public var addresses: [String]
    }

    public enum Failure: Error, Equatable, Sendable {
        case malformed
    }

    public static func query(id: UInt16, name: String, type: RecordType) -> [UInt8] {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]  // RD, one question
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            out.append(UInt8(bytes.count))
            out += bytes
        }
        out += [0, UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1]
        return out
    }

    public static func parse(_ bytes: [UInt8]) throws(Failure) -> Response {
        guard bytes.count >= 12 else { throw .malformed }
        func u16(_ at: Int) throws(Failure) -> UInt16 {
            guard at + 1 < bytes.count else { throw .malformed }
            return UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
        }
        let id = try u16(0)
        let flags = try u16(2)
        let questions = Int(try u16(4))
        let answers = Int(try u16(6))
        var offset = 12
        for _ in 0..<questions {
            _ = try readName(bytes, &offset)
            offset += 4
        }
        var mx: [MX] = []
        var addresses: [String] = []
        for _ in 0..<answers {
            _ = try readName(bytes, &offset)
            let type = try u16(offset)
            let length = Int(try u16(offset + 8))
            let data = offset + 10
            guard data + length <= bytes.count else { throw .malformed }
            switch type {
            case RecordType.mx.rawValue:
                var at = data + 2
                mx.append(MX(preference: try u16(data), host: try readName(bytes, &at)))
            case RecordType.a.rawValue where length == 4:
                addresses.append(bytes[data..<data + 4].map(String.init).joined(separator: "."))
            case RecordType.aaaa.rawValue where length == 16:
                let groups = stride(from: data, to: data + 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                addresses.append(groups.joined(separator: ":"))
            default:
                break
            }
            offset = data + length
        }
        return Response(id: id, responseCode: UInt8(flags & 0x0F), truncated: flags & 0x0200 != 0, mx: mx, addresses: addresses)
    }

    static func readName(_ bytes: [UInt8], _ offset: inout Int) throws(Failure) -> String {
        var labels: [String] = []
        var at = offset
        var jumped = false
        var jumps = 0
        while true {
            guard at < bytes.count else { throw .malformed }
            let length = Int(bytes[at])
            if length == 0 {
                at += 1
                break
            }
            if length & 0xC0 == 0xC0 {
                guard at + 1 < bytes.count, jumps < 32 else { throw .malformed }
                let pointer = (length & 0x3F) << 8 | Int(bytes[at + 1])
                if !jumped { offset = at + 2 }
                jumped = true
                jumps += 1
                at = pointer
                continue
            }
            guard at + 1 + length <= bytes.count else { throw .malformed }
            labels.append(String(decoding: bytes[(at + 1)..<(at + 1 + length)], as: UTF8.self))
            at += 1 + length
        }
        if !jumped { offset = at }
        return labels.joined(separator: ".").lowercased()
    }

    /// MX hosts in the order to try them: by preference, then as listed (RFC 5321 5.1). No MX
    /// records means the domain itself is the host (the implicit MX).
    public static func deliveryOrder(domain: String, mx: [MX]) -> [String] {
        if mx.isEmpty { return [domain] }
        // A single MX of "." (RFC 7505 null MX) means the domain accepts no mail.
        if mx.count == 1 && mx[0].host.isEmpty { return [] }
        return mx.enumerated().sorted { ($0.element.preference, $0.offset) < ($1.element.preference, $1.offset) }.map(\.element.host)
    }
}
