/// Senders that are programs, not people: replying to them is at best noise and at worst a loop
/// (RFC 3834 section 2, Dovecot Pigeonhole's vacation). `postmaster` is a person and is answered.
public enum AutomatedSenders {
    static let exactLocalParts: Set<String> = [
        "mailer-daemon", "listserv", "majordomo", "mailer", "mdaemon",
        "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
        "bounce", "bounces", "auto-reply", "autoreply", "nobody",
    ]

    /// The reason a sender address is automated, or nil for a person.
    public static func reason(for address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let local = address[..<at].lowercased()
        // Sub-addresses count as their base: "noreply+news@" is still noreply.
        let base = local.split(separator: "+", maxSplits: 1).first.map(String.init) ?? local
        if exactLocalParts.contains(base) { return "\(base) is an automated address" }
        if base.hasPrefix("owner-") { return "owner-* is a list owner address" }
        // Anywhere, as Pigeonhole's vacation looks: list software writes "-request-123", "-request=x".
        if base.contains("-request") { return "*-request* is a list request address" }
        if base.hasPrefix("bounce-") || base.hasPrefix("bounces-") { return "bounce-* is a bounce address" }
        if base.hasPrefix("noreply") || base.hasPrefix("no-reply") || base.hasPrefix("donotreply") {
            return "noreply-style address"
        }
        return nil
    }
}

/// Senders no reply should go to: an address literal (`v@[127.0.0.1]`), `localhost`, or a name with
/// no dot. Real mail never comes from them, forged mail does, and answering would aim replies at
/// this host's own network or at nothing (Postfix rejects such senders with
/// reject_non_fqdn_sender).
public enum UnroutableSenders {
    public static func reason(for address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return "\(address) has no domain" }
        let domain = address[address.index(after: at)...].lowercased()
        if domain.hasPrefix("[") { return "\(domain) is an address literal" }
        if domain == "localhost" || domain.hasSuffix(".localhost") || domain == "localhost.localdomain" {
            return "\(domain) is this host"
        }
        if !domain.contains(".") { return "\(domain) is not a fully qualified domain" }
        return nil
    }
}
