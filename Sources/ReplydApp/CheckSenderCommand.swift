import ArgumentParser
import Foundation
import NIOCore
import ReplydConfig
import ReplydCore
import ReplydDNS

struct CheckSenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-sender",
        abstract: "Evaluate SPF (RFC 7208) for a client address and envelope sender (or HELO name for the null sender), as serve does for every message.")

    @OptionGroup var common: CommonOptions

    @Option(help: "The connecting client's IPv4 or IPv6 address.")
    var ip: String

    @Option(help: "The envelope sender (MAIL FROM); empty for the null sender <>, then the HELO name is checked.")
    var from: String

    @Option(help: "The name the client gave in HELO/EHLO.")
    var helo: String = ""

    @Option(help: "host:port of the name server to ask (default: delivery.resolver, else /etc/resolv.conf).")
    var resolver: String?

    @Option(name: .customLong("dns-timeout"), help: "How long to wait for each DNS answer (e.g. 300ms, 5s).")
    var dnsTimeout: String = "5s"

    @Option(help: "How long the whole check may take before it is a temperror (default smtp.spf_timeout).")
    var timeout: String?

    @Flag(help: "One JSON object: result, identity, domain, explanation, detail.")
    var json = false

    func run() async throws {
        let config = try common.loadConfig().configuration
        guard let address = IPAddress(ip) else { throw ValidationError("--ip: not an IPv4 or IPv6 address: \(ip)") }
        guard let perQuery = ConfigSchema.parseDuration(dnsTimeout), perQuery > .zero else { throw ValidationError("--dns-timeout: expected e.g. 300ms or 5s") }
        var overall = config.smtp.spfTimeout
        if let timeout {
            guard let parsed = ConfigSchema.parseDuration(timeout), parsed > .zero else { throw ValidationError("--timeout: expected e.g. 20s") }
            overall = parsed
        }
        if from.isEmpty && helo.isEmpty { throw ValidationError("--helo is needed when --from is empty (the null sender)") }
        let dns: DNSResolver
        do {
            dns = try DNSResolver(server: resolver ?? config.delivery.resolver, timeout: TimeAmount(perQuery))
        } catch {
            throw ValidationError("--resolver: \(error)")
        }
        let check = SPFCheck(resolver: dns, receiver: config.server.hostname)
        let result = await check.checkWithin(overall, ip: address, sender: from, helo: helo)
        if json {
            print(JSONLine.encode(["result": result.code.rawValue, "identity": result.identity.rawValue, "domain": result.domain,
                                   "explanation": result.explanation ?? NSNull(), "detail": result.detail] as [String: Any]))
        } else {
            print("spf: \(result.code.rawValue) (\(result.identity.rawValue) \(result.domain))")
            print("detail: \(result.detail)")
            if let explanation = result.explanation { print("explanation: \(explanation)") }
            print("Received-SPF: \(result.receivedSPF(ip: address, sender: from, helo: helo, receiver: config.server.hostname))")
        }
    }
}
