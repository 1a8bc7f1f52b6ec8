import ReplydConfig
import ReplydCore
import ReplydDNS

extension Configuration {
    /// The SPF check `serve` runs for every message at SMTP time, or nil when
    /// `replies.require_spf` is "off" (then no DNS is asked).
    func senderCheck() throws -> (@Sendable (_ ip: String, _ sender: String, _ helo: String) async -> SPFResult)? {
        guard replies.requireSPF != .off else { return nil }
        let check = SPFCheck(resolver: try DNSResolver(server: delivery.resolver, cache: DNSCache()), receiver: server.hostname)
        let limit = smtp.spfTimeout
        return { ip, sender, helo in
            guard let address = IPAddress(ip) else {
                return SPFResult(code: .none, identity: sender.isEmpty ? .helo : .mailfrom, domain: "",
                                 detail: "the client's address \(ip) is not an IP address")
            }
            return await check.checkWithin(limit, ip: address, sender: sender, helo: helo)
        }
    }

    var spfDescription: String {
        replies.requireSPF == .off ? "off (replies.require_spf = \"off\")"
            : "checked for every message; replies need \(replies.requireSPF == .pass ? "pass" : "pass, neutral, softfail or none") (resolver \(delivery.resolver ?? "/etc/resolv.conf"))"
    }
}
