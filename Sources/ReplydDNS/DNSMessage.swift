import ReplydCore

/// The part of DNS (RFC 1035) replyd needs: queries for A, AAAA, MX, TXT and PTR, and answers read
/// with their names compressed or not, CNAMEs included. Pure: bytes in, records out, linear in the
/// message (a compression pointer may only point before where the name was read so far).
public enum DNSMessage {
    public enum RecordType: UInt16, Sendable, CustomStringConvertible {
        case a = 1
        case cname = 5
        case ptr = 12
        case mx = 15
        case txt = 16
        case aaaa = 28

        public var description: String {
            switch self {
            case .a: "A"
            case .cname: "CNAME"
            case .ptr: "PTR"
            case .mx: "MX"
            case .txt: "TXT"
            case .aaaa: "AAAA"
            }
        }
    }

    public struct MX: Sendable, Equatable {
        public var preference: UInt16
        public var host: String

        public init(preference: UInt16, host: String) {
            self.preference = preference
            self.host = host
        }
    }

    public enum RecordData: Sendable, Equatable {
        /// A or AAAA, as text ("192.0.2.1", "2001:db8:0:0:0:0:0:1").
        case address(String)
        case mx(MX)
        /// A TXT record's character-strings, in order.
        case text([[UInt8]])
        /// CNAME or PTR.
        case name(String)
    }

    public struct Record: Sendable, Equatable {
        public var name: String
        public var type: UInt16
        /// Seconds it may be cached.
        public var ttl: UInt32 = 0
        public var data: RecordData
    }

    public struct Response: Sendable, Equatable {
        public var id: UInt16
        /// RCODE: 0 no error, 3 NXDOMAIN, others are failures.
        public var responseCode: UInt8
        public var truncated: Bool
        public var isResponse: Bool
        /// The question it answers (lower case), when it has one.
        public var question: (name: String, type: UInt16)?
        public var answers: [Record]

        public var mx: [MX] { answers.compactMap { if case .mx(let mx) = $0.data { mx } else { nil } } }
        public var addresses: [String] { answers.compactMap { if case .address(let text) = $0.data { text } else { nil } } }
        /// TXT records, each one's strings joined without anything between them (RFC 7208 3.3).
        public var texts: [[UInt8]] { answers.compactMap { if case .text(let strings) = $0.data { strings.flatMap { $0 } } else { nil } } }
        public func names(_ type: RecordType) -> [String] {
            answers.compactMap { if $0.type == type.rawValue, case .name(let name) = $0.data { name } else { nil } }
        }

        public static func == (lhs: Response, rhs: Response) -> Bool {
            lhs.id == rhs.id && lhs.responseCode == rhs.responseCode && lhs.truncated == rhs.truncated && lhs.answers == rhs.answers
                && lhs.question?.name == rhs.question?.name && lhs.question?.type == rhs.question?.type
        }
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
        let answerCount = Int(try u16(6))
        var offset = 12
        var question: (String, UInt16)?
        for index in 0..<questions {
            let name = try readName(bytes, &offset)
            if index == 0 { question = (name, try u16(offset)) }
            offset += 4
        }
        var answers: [Record] = []
        for _ in 0..<answerCount {
            let owner = try readName(bytes, &offset)
            let type = try u16(offset)
            let ttl = UInt32(try u16(offset + 4)) << 16 | UInt32(try u16(offset + 6))
            let length = Int(try u16(offset + 8))
            let data = offset + 10
            guard data + length <= bytes.count else { throw .malformed }
            switch type {
            case RecordType.mx.rawValue:
                var at = data + 2
                answers.append(Record(name: owner, type: type, ttl: ttl, data: .mx(MX(preference: try u16(data), host: try readName(bytes, &at)))))
            case RecordType.a.rawValue where length == 4:
                answers.append(Record(name: owner, type: type, ttl: ttl, data: .address(bytes[data..<data + 4].map(String.init).joined(separator: "."))))
            case RecordType.aaaa.rawValue where length == 16:
                // RFC 5952 text ("2001:db8::1"), as logs and the queue show addresses.
                let address = IPAddress(bytes: Array(bytes[data..<data + 16]))?.description ?? ""
                answers.append(Record(name: owner, type: type, ttl: ttl, data: .address(address)))
            case RecordType.txt.rawValue:
                var strings: [[UInt8]] = []
                var at = data
                while at < data + length {
                    let count = Int(bytes[at])
                    guard at + 1 + count <= data + length else { throw .malformed }
                    strings.append(Array(bytes[(at + 1)..<(at + 1 + count)]))
                    at += 1 + count
                }
                answers.append(Record(name: owner, type: type, ttl: ttl, data: .text(strings)))
            case RecordType.cname.rawValue, RecordType.ptr.rawValue:
                var at = data
                answers.append(Record(name: owner, type: type, ttl: ttl, data: .name(try readName(bytes, &at))))
            default:
                break
            }
            offset = data + length
        }
        return Response(id: id, responseCode: UInt8(flags & 0x0F), truncated: flags & 0x0200 != 0, isResponse: flags & 0x8000 != 0,
                        question: question, answers: answers)
    }

    static func readName(_ bytes: [UInt8], _ offset: inout Int) throws(Failure) -> String {
        var labels: [String] = []
        var at = offset
        var jumped = false
        var total = 0
        var lowest = offset
        var jumps = 0
        while true {
            guard at < bytes.count else { throw .malformed }
            let length = Int(bytes[at])
            if length == 0 {
                at += 1
                break
            }
            if length & 0xC0 == 0xC0 {
                guard at + 1 < bytes.count else { throw .malformed }
                let pointer = (length & 0x3F) << 8 | Int(bytes[at + 1])
                // Each jump lands before every place this name was read from: no loops; and a
                // name has at most 127 labels, so no more jumps either.
                guard pointer < lowest, jumps < 127 else { throw .malformed }
                if !jumped { offset = at + 2 }
                jumped = true
                jumps += 1
                lowest = pointer
                at = pointer
                continue
            }
            guard length <= 63, at + 1 + length <= bytes.count else { throw .malformed }
            total += length + 1
            guard total <= 255 else { throw .malformed }
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
