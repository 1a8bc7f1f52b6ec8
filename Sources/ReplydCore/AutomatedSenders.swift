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
        if base.hasSuffix("-request") { return "*-request is a list request address" }
        if base.hasPrefix("bounce-") || base.hasPrefix("bounces-") { return "bounce-* is a bounce address" }
        if base.hasPrefix("noreply") || base.hasPrefix("no-reply") || base.hasPrefix("donotreply") {
            return "noreply-style address"
        }
        return nil
    }
}
