/// An SPF record (RFC 7208 4.6, 5, 6) parsed whole before anything is evaluated, so a syntax error
/// anywhere makes it a permerror even when an earlier mechanism would have matched.
public struct SPFRecord: Sendable, Equatable {
    public enum Qualifier: Character, Sendable {
        case pass = "+", fail = "-", softfail = "~", neutral = "?"

        var result: SPFResult.Code {
            switch self {
            case .pass: .pass
            case .fail: .fail
            case .softfail: .softfail
            case .neutral: .neutral
            }
        }
    }

    public enum Mechanism: Sendable, Equatable {
        case all
        case include(SPFMacroString)
        case a(SPFMacroString?, ip4: Int, ip6: Int)
        case mx(SPFMacroString?, ip4: Int, ip6: Int)
        case ptr(SPFMacroString?)
        case ip(IPAddress, prefix: Int)
        case exists(SPFMacroString)

        /// Mechanisms that ask DNS count toward the limit of ten (RFC 7208 4.6.4).
        var asksDNS: Bool {
            switch self {
            case .include, .a, .mx, .ptr, .exists: true
            case .all, .ip: false
            }
        }
    }

    public struct Directive: Sendable, Equatable {
        public var qualifier: Qualifier
        public var mechanism: Mechanism
    }

    public var directives: [Directive]
    public var redirect: SPFMacroString?
    public var explanation: SPFMacroString?

    public struct SyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Whether a TXT record is an SPF record: "v=spf1", any case, then a space or its end (4.5).
    public static func isSPF(_ text: [UInt8]) -> Bool {
        guard text.count >= 6 else { return false }
        let version = String(decoding: text[0..<6], as: UTF8.self).lowercased()
        return version == "v=spf1" && (text.count == 6 || text[6] == UInt8(ascii: " "))
    }

    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> SPFRecord {
        guard bytes.allSatisfy({ $0 < 0x80 }) else { throw SyntaxError(description: "the record is not ASCII (RFC 7208 3.1)") }
        let text = String(decoding: bytes, as: UTF8.self)
        var record = SPFRecord(directives: [], redirect: nil, explanation: nil)
        // Terms are separated by spaces only; any other control character is a syntax error.
        for term in text.split(separator: " ").dropFirst() {
            do {
                try record.add(term)
            } catch let problem as SyntaxError {
                throw problem
            } catch {
                throw SyntaxError(description: "\(term): \(error)")
            }
        }
        return record
    }

    private mutating func add(_ term: Substring) throws {
        // A modifier is a name then "=" before any ":" or "/" (4.6.1).
        if let equals = term.firstIndex(of: "="), !term[..<equals].contains(where: { $0 == ":" || $0 == "/" }) {
            let name = term[..<equals]
            guard let first = name.first, first.isASCII && first.isLetter,
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw SyntaxError(description: "\(term): not a modifier name")
            }
            let value = term[term.index(after: equals)...]
            switch name.lowercased() {
            case "redirect":
                guard redirect == nil else { throw SyntaxError(description: "redirect= given twice") }
                redirect = try Self.domainSpec(value, in: term)
            case "exp":
                guard explanation == nil else { throw SyntaxError(description: "exp= given twice") }
                explanation = try Self.domainSpec(value, in: term)
            default:
                // Unknown modifiers are ignored, but must still be well formed.
                _ = try Self.macroString(value, in: term)
            }
            return
        }
        var rest = term
        var qualifier = Qualifier.pass
        if let first = rest.first, let chosen = Qualifier(rawValue: first) {
            qualifier = chosen
            rest = rest.dropFirst()
        }
        let nameEnd = rest.firstIndex { $0 == ":" || $0 == "/" } ?? rest.endIndex
        let name = rest[..<nameEnd].lowercased()
        let argument = rest[nameEnd...]
        func target() throws -> (SPFMacroString?, Substring) {
            guard argument.first == ":" else { return (nil, argument) }
            let value = argument.dropFirst()
            // The prefix lengths are at the end; a "/" before them belongs to the domain-spec.
            let cidrStart = Self.dualCIDRStart(value)
            return (try Self.domainSpec(value[..<cidrStart], in: term), value[cidrStart...])
        }
        let mechanism: Mechanism
        switch name {
        case "all":
            guard argument.isEmpty else { throw SyntaxError(description: "\(term): all takes no argument") }
            mechanism = .all
        case "include", "exists":
            guard argument.first == ":" else { throw SyntaxError(description: "\(term): \(name) needs :domain") }
            let spec = try Self.domainSpec(argument.dropFirst(), in: term)
            mechanism = name == "include" ? .include(spec) : .exists(spec)
        case "a", "mx":
            let (spec, cidr) = try target()
            let (ip4, ip6) = try Self.dualCIDR(cidr, in: term)
            mechanism = name == "a" ? .a(spec, ip4: ip4, ip6: ip6) : .mx(spec, ip4: ip4, ip6: ip6)
        case "ptr":
            let (spec, cidr) = try target()
            guard cidr.isEmpty else { throw SyntaxError(description: "\(term): ptr takes no prefix length") }
            mechanism = .ptr(spec)
        case "ip4", "ip6":
            guard argument.first == ":" else { throw SyntaxError(description: "\(term): \(name) needs :address") }
            let value = argument.dropFirst()
            let slash = value.firstIndex(of: "/") ?? value.endIndex
            let addressText = value[..<slash]
            let bits = name == "ip4" ? 32 : 128
            let parsed = name == "ip4" ? IPAddress.parseIPv4(addressText) : IPAddress.parseIPv6(addressText)
            guard let bytes = parsed, let address = IPAddress(bytes: bytes), address.bytes.count == bits / 8 || name == "ip6" else {
                throw SyntaxError(description: "\(term): not an \(name == "ip4" ? "IPv4" : "IPv6") address")
            }
            let prefix = slash == value.endIndex ? bits : try Self.cidr(value[value.index(after: slash)...], max: bits, in: term)
            if name == "ip6" && address.isIPv4 {
                // ::ffff:a.b.c.d in an ip6 mechanism: its last 32 bits are the IPv4 network.
                mechanism = .ip(address, prefix: max(0, prefix - 96))
            } else {
                mechanism = .ip(address, prefix: prefix)
            }
        default:
            throw SyntaxError(description: "\(term): unknown mechanism")
        }
        directives.append(Directive(qualifier: qualifier, mechanism: mechanism))
    }

    static func macroString(_ text: Substring, in term: Substring) throws -> SPFMacroString {
        do {
            return try SPFMacroString.parse(text)
        } catch SPFMacroString.Problem.syntax(let problem) {
            throw SyntaxError(description: "\(term): \(problem)")
        }
    }

    /// domain-spec = macro-string domain-end; domain-end = "." toplabel ["."] / macro-expand (7.1).
    static func domainSpec(_ text: Substring, in term: Substring) throws -> SPFMacroString {
        guard !text.isEmpty else { throw SyntaxError(description: "\(term): empty domain") }
        let spec = try macroString(text, in: term)
        if spec.endsWithMacro { return spec }
        var tail = Substring(spec.literalTail)
        if tail.hasSuffix(".") { tail = tail.dropLast() }
        guard let dot = tail.lastIndex(of: "."), isTopLabel(tail[tail.index(after: dot)...]) else {
            throw SyntaxError(description: "\(term): \(text) does not end in a top-level domain label")
        }
        return spec
    }

    static func isTopLabel(_ label: Substring) -> Bool {
        guard let first = label.first, let last = label.last, first.isASCII && (first.isLetter || first.isNumber),
              last.isASCII && (last.isLetter || last.isNumber),
              label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return false }
        return label.contains("-") || label.contains(where: \.isLetter)
    }

    static func cidr(_ text: Substring, max: Int, in term: Substring) throws -> Int {
        guard !text.isEmpty, text.count <= 3, text.allSatisfy({ $0.isASCII && $0.isNumber }), text == "0" || text.first != "0",
              let value = Int(text), value <= max else {
            throw SyntaxError(description: "\(term): bad prefix length /\(text)")
        }
        return value
    }

    /// Where a trailing dual-cidr-length (`/n`, `//n`, `/n//n`) starts in `text`, or its end.
    static func dualCIDRStart(_ text: Substring) -> Substring.Index {
        var start = text.endIndex
        var index = text.endIndex
        // At most two groups of "/" or "//" then digits, read from the end.
        for _ in 0..<2 {
            var digitsStart = index
            while digitsStart > text.startIndex, text[text.index(before: digitsStart)].isASCII, text[text.index(before: digitsStart)].isNumber {
                digitsStart = text.index(before: digitsStart)
            }
            guard digitsStart < index, digitsStart > text.startIndex, text[text.index(before: digitsStart)] == "/" else { break }
            var slash = text.index(before: digitsStart)
            if slash > text.startIndex, text[text.index(before: slash)] == "/" { slash = text.index(before: slash) }
            start = slash
            index = slash
        }
        return start
    }

    /// `/n` for IPv4, `//n` for IPv6, or both (`/24//64`).
    static func dualCIDR(_ text: Substring, in term: Substring) throws -> (Int, Int) {
        guard !text.isEmpty else { return (32, 128) }
        guard text.first == "/" else { throw SyntaxError(description: "\(term): unexpected \(text)") }
        if text.hasPrefix("//") { return (32, try cidr(text.dropFirst(2), max: 128, in: term)) }
        let body = text.dropFirst()
        if let split = body.range(of: "//") {
            return (try cidr(body[..<split.lowerBound], max: 32, in: term), try cidr(body[split.upperBound...], max: 128, in: term))
        }
        return (try cidr(body, max: 32, in: term), 128)
    }
}
