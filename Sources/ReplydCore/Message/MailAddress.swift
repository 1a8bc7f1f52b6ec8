/// An RFC 5321 mailbox as it appears in an envelope path: `local@domain`.
/// The domain is kept lower-cased (domains are case-insensitive); the local part is kept as sent,
/// since only the receiving host may interpret it.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    public let localPart: String
    public let domain: String

    public init(localPart: String, domain: String) {
        self.localPart = localPart
        self.domain = domain.lowercased()
    }

    public var description: String { domain.isEmpty ? localPart : "\(localPart)@\(domain)" }

    /// `true` when any character is outside US-ASCII, which needs SMTPUTF8 (RFC 6531).
    public var needsSMTPUTF8: Bool { !description.unicodeScalars.allSatisfy(\.isASCII) }

    public enum ParseError: Error, Equatable, Sendable {
        case empty, missingAt, emptyLocalPart, emptyDomain, invalidDomain, invalidLocalPart, tooLong
    }

    public enum LocalAddressProblem: Error, Equatable, Sendable, CustomStringConvertible {
        case notAnAddress(String)
        case notLocal(domain: String)

        public var description: String {
            switch self {
            case .notAnAddress(let text): "\"\(text)\" is not a mail address"
            case .notLocal(let domain): "\(domain) is not a local domain (mail.local_domains)"
            }
        }
    }

    /// A mailbox of this host (vacations, mailboxes, lists): `local@domain` lower-cased, with the
    /// domain one of `domains` (lower-cased).
    public static func local(_ text: String, in domains: [String]) -> Result<String, LocalAddressProblem> {
        guard case .success(let address) = parse(Substring(text)) else { return .failure(.notAnAddress(text)) }
        guard domains.contains(address.domain) else { return .failure(.notLocal(domain: address.domain)) }
        return .success("\(address.localPart.lowercased())@\(address.domain)")
    }

    /// Parses `local@domain` (no angle brackets). Quoted local parts are accepted as RFC 5321 allows.
    /// The lower-cased part after the last "@" of an address already accepted; "" when it has none.
    public static func domain(of address: String) -> String {
        address.lastIndex(of: "@").map { String(address[address.index(after: $0)...]).lowercased() } ?? ""
    }

    public static func parse(_ text: Substring) -> Result<MailAddress, ParseError> {
        if text.isEmpty { return .failure(.empty) }
        // RFC 5321 4.5.3.1.3: a path is at most 256 octets; the mailbox inside it at most 254.
        if text.utf8.count > 254 { return .failure(.tooLong) }
        guard let at = text.lastIndex(of: "@") else { return .failure(.missingAt) }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        if local.isEmpty { return .failure(.emptyLocalPart) }
        if domain.isEmpty { return .failure(.emptyDomain) }
        if local.utf8.count > 64 { return .failure(.tooLong) }
        if !isValidLocalPart(local) { return .failure(.invalidLocalPart) }
        if !isValidDomain(domain) { return .failure(.invalidDomain) }
        return .success(MailAddress(localPart: String(local), domain: String(domain)))
    }

    static func isValidLocalPart(_ local: Substring) -> Bool {
        if local.first == "\"" {
            guard local.count >= 2, local.last == "\"" else { return false }
            return !local.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        }
        // Dot-atom: atext characters separated by single dots.
        if local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") { return false }
        let specials: Set<Character> = ["(", ")", "<", ">", "[", "]", ":", ";", "@", "\\", ",", "\"", " "]
        return local.allSatisfy { ch in
            guard let ascii = ch.asciiValue else { return true }  // UTF-8 atext (RFC 6531)
            return ascii > 0x20 && ascii < 0x7F && !specials.contains(ch)
        }
    }

    public static func isValidDomain(_ domain: Substring) -> Bool {
        if domain.hasPrefix("[") {
            // Address literal, e.g. [192.0.2.1] or [IPv6:...].
            return domain.hasSuffix("]") && domain.count > 2
        }
        if domain.utf8.count > 253 { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard !label.isEmpty, label.utf8.count <= 63,
                  label.first != "-", label.last != "-" else { return false }
            return label.allSatisfy { ch in
                guard let ascii = ch.asciiValue else { return true }  // U-label (RFC 6531)
                return ch.isLetter || ch.isNumber || ascii == UInt8(ascii: "-")
            }
        }
    }
}
