import Foundation

/// The trace fields an MTA puts on top of a message it accepts (RFC 5321 4.4): where it came from,
/// who took it, how; and what SPF said (RFC 7208 9.1). replyd keeps them beside the bytes as
/// received instead of inside them, so both stay available. Pure.
public enum TraceFields {
    /// RFC 3848's protocol words: SMTP, ESMTP, with S when under TLS.
    public static func with(esmtp: Bool, tls: Bool) -> String {
        esmtp ? (tls ? "ESMTPS" : "ESMTP") : (tls ? "SMTPS" : "SMTP")
    }

    /// `Received: from HELO ([address]) by HOST (replyd) with ESMTPS (TLSv1.3) for <rcpt>; date`,
    /// folded. The client's words (its HELO name) are cut down to characters that cannot end the
    /// comment or the field.
    public static func received(helo: String, remoteAddress: String, by host: String, esmtp: Bool, tlsVersion: String?,
                                recipients: [String], at date: Date) -> String {
        let literal = IPAddress(remoteAddress).map { $0.isIPv4 ? "[\($0)]" : "[IPv6:\($0)]" } ?? "[\(safe(remoteAddress))]"
        var lines = ["Received: from \(safe(helo).isEmpty ? "unknown" : safe(helo)) (\(literal))",
                     "\tby \(safe(host)) (replyd) with \(with(esmtp: esmtp, tls: tlsVersion != nil))"
                         + (tlsVersion.map { " (\(safe($0)))" } ?? "")]
        // One recipient is named, as Postfix does; naming several would tell each of them the others.
        if recipients.count == 1 { lines.append("\tfor <\(safe(recipients[0]))>;") } else { lines[1] += ";" }
        lines.append("\t\(MIMEEncoding.date(date))")
        return lines.joined(separator: "\r\n")
    }

    /// Visible ASCII without the characters that would end a comment, an address or the field, from
    /// the first 255 code points.
    static func safe(_ text: String) -> String {
        var kept: [UInt8] = []
        for scalar in text.unicodeScalars.prefix(255) {
            let value = scalar.value
            guard value > 0x20, value < 0x7F else { continue }
            switch UInt8(value) {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ";"), UInt8(ascii: "\\"):
                continue
            default:
                kept.append(UInt8(value))
            }
        }
        return String(decoding: kept, as: UTF8.self)
    }

    /// Both fields, CRLF-separated, for a message as received.
    public static func fields(for message: InboundMessage, by host: String) -> String {
        var out = received(helo: message.helo, remoteAddress: message.remoteAddress, by: host, esmtp: message.esmtp,
                           tlsVersion: message.tlsVersion, recipients: message.recipients, at: message.receivedAt)
        if let spf = message.spf, let ip = IPAddress(message.remoteAddress) {
            out += "\r\nReceived-SPF: " + spf.receivedSPF(ip: ip, sender: message.envelopeSender, helo: safe(message.helo), receiver: safe(host))
        }
        return out
    }
}
