import Foundation

/// An IPv4 or IPv6 address as bytes: parsed from text, compared by prefix, and written the ways SPF
/// needs (RFC 7208 7.3 macros, reverse names for PTR). An IPv4-mapped IPv6 address is its IPv4
/// address, as a client behind a dual-stack listener is.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 or 16 octets.
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        if bytes.count == 16 && bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            self.bytes = Array(bytes[12...])
        } else if bytes.count == 4 || bytes.count == 16 {
            self.bytes = bytes
        } else {
            return nil
        }
    }

    public var isIPv4: Bool { bytes.count == 4 }

    public init?(_ text: some StringProtocol) {
        if let v4 = Self.parseIPv4(Substring(text)) {
            self.init(bytes: v4)
        } else if let v6 = Self.parseIPv6(Substring(text)) {
            self.init(bytes: v6)
        } else {
            return nil
        }
    }

    /// Dotted quad, each number 0-255 without leading zeros (RFC 7208's qnum).
    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part == "0" || part.first != "0", let value = UInt8(part) else { return nil }
            out.append(value)
        }
        return out
    }

    /// RFC 4291 2.2 text: eight groups, one "::" for a run of zero groups, an IPv4 tail allowed.
    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        guard text.contains(":"), text.utf8.count <= 45 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowIPv4Tail: Bool) -> [UInt8]? {
            if part.isEmpty { return [] }
            var out: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1 && allowIPv4Tail && piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    out += v4
                    continue
                }
                guard !piece.isEmpty, piece.count <= 4, let value = UInt16(piece, radix: 16), piece.allSatisfy(\.isHexDigit) else { return nil }
                out += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return out
        }
        if halves.count == 1 {
            guard let all = groups(halves[0], allowIPv4Tail: true), all.count == 16 else { return nil }
            return all
        }
        guard let head = groups(halves[0], allowIPv4Tail: false), let tail = groups(halves[1], allowIPv4Tail: true),
              head.count + tail.count <= 14 else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// Whether the first `prefix` bits equal those of `network` (of the same family).
    public func isIn(_ network: IPAddress, prefix: Int) -> Bool {
        guard network.bytes.count == bytes.count, prefix >= 0, prefix <= bytes.count * 8 else { return false }
        var remaining = prefix
        for (mine, theirs) in zip(bytes, network.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if mine & mask != theirs & mask { return false }
            remaining -= bits
        }
        return true
    }

    static let hex = Array("0123456789abcdef")

    /// `%{i}`: dotted decimal, or for IPv6 the 32 nibbles separated by dots (RFC 7208 7.3).
    public var macroText: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        return bytes.flatMap { [String(Self.hex[Int($0 >> 4)]), String(Self.hex[Int($0 & 0xF)])] }.joined(separator: ".")
    }

    /// The name a PTR lookup asks (in-addr.arpa or ip6.arpa).
    public var reverseName: String {
        if isIPv4 { return bytes.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa" }
        return bytes.reversed().flatMap { [String(Self.hex[Int($0 & 0xF)]), String(Self.hex[Int($0 >> 4)])] }.joined(separator: ".") + ".ip6.arpa"
    }

    /// Dotted quad, or RFC 5952 text (lower case, longest run of two or more zero groups as "::").
    public var description: String {
        if isIPv4 { return macroText }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var best: (start: Int, length: Int) = (-1, 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > best.length { best = (index, end - index) }
            index = end
        }
        let text = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return text.joined(separator: ":") }
        return text[..<best.start].joined(separator: ":") + "::" + text[(best.start + best.length)...].joined(separator: ":")
    }
}
