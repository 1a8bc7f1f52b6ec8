import Crypto
import Foundation
import ReplydCore

/// Signs outgoing mail with the keys of its From domain (RFC 6376, relaxed/relaxed): one
/// DKIM-Signature per key, so a domain with an RSA and an Ed25519 key gets both (RFC 8463 4).
public struct DKIMSigner: Sendable {
    /// Signed when present, in this order; a reply's identity and threading and its MIME structure.
    public static let signedFields = [
        "from", "sender", "reply-to", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references",
        "mime-version", "content-type", "content-transfer-encoding", "auto-submitted", "precedence",
        "list-id", "list-unsubscribe", "list-unsubscribe-post",
    ]
    /// Listed once more than present (RFC 6376 8.15): nobody can add a second From, To, Subject, Date,
    /// Message-ID or Reply-To to a signed reply without breaking the signature.
    public static let oversignedFields: Set<String> = ["from", "reply-to", "to", "subject", "date", "message-id"]

    let keys: [String: [DKIMKey]]

    public init(keys: [DKIMKey]) {
        self.keys = Dictionary(grouping: keys, by: \.domain)
    }

    public var isEmpty: Bool { keys.isEmpty }

    /// The keys for the From address's domain, else for the nearest parent domain that has keys
    /// (still aligned for DMARC's relaxed mode).
    func keys(forFrom message: [UInt8]) -> [DKIMKey] {
        guard let from = HeaderFields.parse(message).first("From"),
              let address = AddressList.mailboxes(in: from).first?.address else { return [] }
        var domain = MailAddress.domain(of: address)
        while true {
            if let found = keys[domain] { return found }
            guard let dot = domain.firstIndex(of: "."), domain[domain.index(after: dot)...].contains(".") else { return [] }
            domain = String(domain[domain.index(after: dot)...])
        }
    }

    /// `message` with a DKIM-Signature field per key of its From domain in front; unchanged when
    /// that domain has no key.
    public func sign(_ message: [UInt8], at time: Date) throws -> [UInt8] {
        let keys = keys(forFrom: message)
        guard !keys.isEmpty else { return message }
        let parts = DKIMCanonicalization.split(message)
        var names: [String] = []
        var count: [String: Int] = [:]
        for field in parts.fields { count[DKIMCanonicalization.name(of: field), default: 0] += 1 }
        for name in Self.signedFields {
            let present = count[name] ?? 0
            names += Array(repeating: name, count: present + (Self.oversignedFields.contains(name) ? 1 : 0))
        }
        var headerData: [UInt8] = []
        for field in DKIMCanonicalization.selected(names, from: parts.fields) {
            headerData += DKIMCanonicalization.relaxedHeader(field)
        }
        let bodyHash = Data(SHA256.hash(data: DKIMCanonicalization.relaxedBody(parts.body))).base64EncodedString()
        var signed: [UInt8] = []
        for key in keys {
            let unsigned = Self.field(key: key, names: names, bodyHash: bodyHash, time: time)
            var data = headerData
            // The signature's own field, b= empty and without its final CRLF (RFC 6376 3.7).
            data += DKIMCanonicalization.relaxedHeader(ArraySlice(unsigned.utf8)).dropLast(2)
            let signature = Data(try key.sign(data)).base64EncodedString()
            signed += Array((unsigned + Self.folded(signature) + "\r\n").utf8)
        }
        return signed + message
    }

    /// The item with its message signed.
    public func signed(_ item: OutboundItem, at time: Date) throws -> OutboundItem {
        var item = item
        item.data = try sign(item.data, at: time)
        return item
    }

    /// The DKIM-Signature field up to its empty `b=`, folded below 78 characters a line.
    static func field(key: DKIMKey, names: [String], bodyHash: String, time: Date) -> String {
        var lines = ["DKIM-Signature: v=1; a=\(key.algorithm.rawValue); c=relaxed/relaxed; d=\(key.domain);",
                     " s=\(key.selector); t=\(Int(time.timeIntervalSince1970));"]
        var line = " h="
        for (index, name) in names.enumerated() {
            let piece = name + (index == names.count - 1 ? ";" : ":")
            if line.count + piece.count > 76 {
                lines.append(line)
                line = " "
            }
            line += piece
        }
        lines.append(line)
        lines.append(" bh=\(bodyHash);")
        lines.append(" b=")
        return lines.joined(separator: "\r\n")
    }

    /// The signature in lines of at most 76 characters; the white space is ignored by verifiers.
    static func folded(_ base64: String) -> String {
        var out = ""
        var rest = Substring(base64)
        var first = true
        while !rest.isEmpty {
            let take = first ? 72 : 75
            out += (first ? "" : "\r\n ") + rest.prefix(take)
            rest = rest.dropFirst(take)
            first = false
        }
        return out
    }
}
