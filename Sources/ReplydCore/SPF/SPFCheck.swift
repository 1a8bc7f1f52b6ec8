import Foundation

/// The outcome of an SPF check (RFC 7208 2.6), with what was checked and why.
public struct SPFResult: Sendable, Equatable, Codable {
    public enum Code: String, Sendable, Codable, CaseIterable {
        case none, neutral, pass, fail, softfail, temperror, permerror
    }

    public enum Identity: String, Sendable, Codable {
        case mailfrom, helo
    }

    public var code: Code
    public var identity: Identity
    /// The domain whose policy was checked.
    public var domain: String
    /// The domain's own explanation of a fail (its exp= record, macros expanded), when it gave one.
    public var explanation: String?
    /// What decided it, for people: "matched ip4:192.0.2.0/24 in example.com", "no SPF record", ….
    public var detail: String

    public init(code: Code, identity: Identity, domain: String, explanation: String? = nil, detail: String) {
        self.code = code
        self.identity = identity
        self.domain = domain
        self.explanation = explanation
        self.detail = detail
    }
}

/// DNS as an SPF check needs it. `records` are TXT texts (each record's strings joined), addresses
/// as text, MX host names or PTR names.
public protocol SPFResolver: Sendable {
    func lookup(_ name: String, _ type: SPFQuery) async -> SPFAnswer
}

public enum SPFQuery: String, Sendable {
    case txt, a, aaaa, mx, ptr
}

public enum SPFAnswer: Sendable, Equatable {
    case records([[UInt8]])
    /// NXDOMAIN.
    case noSuchName
    /// A time-out or a server failure: the check's result is temperror.
    case failure(String)
}

/// check_host() of RFC 7208 4: the SPF result for a client address, a sender and a HELO name,
/// with the limits of 4.6.4 (ten DNS-querying terms, two void lookups, ten MX or PTR names).
/// Decisions only; every DNS question goes to the resolver it is given.
public struct SPFCheck: Sendable {
    public static let lookupLimit = 10
    public static let voidLookupLimit = 2
    public static let nameLimit = 10

    let resolver: any SPFResolver
    let receiver: String
    let now: @Sendable () -> Date

    public init(resolver: any SPFResolver, receiver: String = "unknown", now: @escaping @Sendable () -> Date = { Date() }) {
        self.resolver = resolver
        self.receiver = receiver
        self.now = now
    }

    /// The result for the envelope sender; for the null sender (`sender` empty), for the HELO name
    /// as "postmaster@helo" (2.3, 2.4).
    public func check(ip: IPAddress, sender: String, helo: String) async -> SPFResult {
        let identity: SPFResult.Identity
        var mailbox: String
        if sender.isEmpty {
            identity = .helo
            mailbox = "postmaster@" + helo
        } else {
            identity = .mailfrom
            mailbox = sender
        }
        // 4.3: an empty local part is "postmaster".
        if mailbox.hasPrefix("@") { mailbox = "postmaster" + mailbox }
        let domain = mailbox.lastIndex(of: "@").map { String(mailbox[mailbox.index(after: $0)...]) } ?? mailbox
        var run = Run(check: self, facts: SPFMacroString.Facts(sender: mailbox, domain: domain, ip: ip, helo: helo, validatedName: nil,
                                                               receiver: receiver, timestamp: Int(now().timeIntervalSince1970)))
        let outcome = await run.checkHost(domain)
        var result = SPFResult(code: outcome.code, identity: identity, domain: domain, detail: outcome.detail)
        if outcome.code == .fail { result.explanation = outcome.explanation }
        return result
    }

    struct Outcome {
        var code: SPFResult.Code
        var detail: String
        var explanation: String?
        /// Decided by a redirect's target, whose exp= (not this record's) explains it (6.2).
        var redirected = false
    }

    /// One evaluation: its counters are shared by every include and redirect it follows.
    struct Run {
        let check: SPFCheck
        var facts: SPFMacroString.Facts
        var lookups = 0
        var voidLookups = 0
        var validatedNameFound = false

        /// 4.3: a name that is not a valid multi-label domain gets no policy.
        static func isCheckable(_ domain: String) -> Bool {
            let name = domain.hasSuffix(".") ? String(domain.dropLast()) : domain
            return DNSName.isQueryable(name) && name.contains(".") && name.allSatisfy(\.isASCII)
        }

        mutating func checkHost(_ domain: String) async -> Outcome {
            guard Self.isCheckable(domain) else { return Outcome(code: .none, detail: "\(domain) is not a domain name that can have a policy") }
            let records: [[UInt8]]
            switch await check.resolver.lookup(domain, .txt) {
            case .failure(let reason): return Outcome(code: .temperror, detail: "TXT lookup of \(domain): \(reason)")
            case .noSuchName: return Outcome(code: .none, detail: "\(domain) does not exist")
            case .records(let texts): records = texts.filter(SPFRecord.isSPF)
            }
            guard !records.isEmpty else { return Outcome(code: .none, detail: "\(domain) publishes no SPF record") }
            guard records.count == 1 else { return Outcome(code: .permerror, detail: "\(domain) publishes \(records.count) SPF records") }
            let record: SPFRecord
            do {
                record = try SPFRecord.parse(records[0])
            } catch {
                return Outcome(code: .permerror, detail: "SPF record of \(domain): \(error.description)")
            }
            var outcome = await evaluate(record, domain: domain)
            if outcome.code == .fail && !outcome.redirected, let exp = record.explanation {
                outcome.explanation = await explanation(exp, domain: domain)
            }
            return outcome
        }

        mutating func evaluate(_ record: SPFRecord, domain: String) async -> Outcome {
            let previousDomain = facts.domain
            facts.domain = domain
            defer { facts.domain = previousDomain }
            for directive in record.directives {
                if directive.mechanism.asksDNS {
                    lookups += 1
                    if lookups > SPFCheck.lookupLimit {
                        return Outcome(code: .permerror, detail: "more than \(SPFCheck.lookupLimit) DNS-querying terms")
                    }
                }
                switch await matches(directive.mechanism, domain: domain) {
                case .failure(let outcome): return outcome
                case .success(false): continue
                case .success(true):
                    return Outcome(code: directive.qualifier.result,
                                   detail: "matched \(String(directive.qualifier.rawValue))\(describe(directive.mechanism)) in \(domain)")
                }
            }
            let hasAll = record.directives.contains { $0.mechanism == .all }
            if let redirect = record.redirect, !hasAll {
                lookups += 1
                if lookups > SPFCheck.lookupLimit { return Outcome(code: .permerror, detail: "more than \(SPFCheck.lookupLimit) DNS-querying terms") }
                let target = expandDomain(redirect)
                var outcome = await checkHost(target)
                if outcome.code == .none {
                    outcome = Outcome(code: .permerror, detail: "redirect=\(target) from \(domain): \(outcome.detail)")
                }
                outcome.redirected = true
                return outcome
            }
            return Outcome(code: .neutral, detail: "nothing matched in \(domain); the default is neutral")
        }

        enum Match {
            case success(Bool)
            case failure(Outcome)
        }

        func describe(_ mechanism: SPFRecord.Mechanism) -> String {
            switch mechanism {
            case .all: "all"
            case .include: "include"
            case .a: "a"
            case .mx: "mx"
            case .ptr: "ptr"
            case .ip(let address, let prefix): (address.isIPv4 ? "ip4:" : "ip6:") + "\(address)/\(prefix)"
            case .exists: "exists"
            }
        }

        /// 4.8 and 7.3: a macro-expanded target, cut from the left to 253 octets.
        func expandDomain(_ spec: SPFMacroString) -> String {
            var name = spec.expand(facts)
            if name.hasSuffix(".") { name.removeLast() }
            while name.utf8.count > 253, let dot = name.firstIndex(of: ".") {
                name = String(name[name.index(after: dot)...])
            }
            return name
        }

        mutating func target(_ spec: SPFMacroString?, default domain: String) async -> String {
            guard let spec else { return domain }
            if spec.usesValidatedName && !validatedNameFound { await findValidatedName() }
            return expandDomain(spec)
        }

        mutating func matches(_ mechanism: SPFRecord.Mechanism, domain: String) async -> Match {
            switch mechanism {
            case .all:
                return .success(true)
            case .ip(let network, let prefix):
                return .success(facts.ip.isIn(network, prefix: prefix))
            case .include(let spec):
                let target = await self.target(spec, default: domain)
                let outcome = await checkHost(target)
                switch outcome.code {
                case .pass: return .success(true)
                case .fail, .softfail, .neutral: return .success(false)
                case .temperror: return .failure(outcome)
                case .permerror: return .failure(outcome)
                case .none: return .failure(Outcome(code: .permerror, detail: "include:\(target) from \(domain): \(outcome.detail)"))
                }
            case .a(let spec, let ip4, let ip6):
                let target = await self.target(spec, default: domain)
                let prefix = facts.ip.isIPv4 ? ip4 : ip6
                switch await addresses(of: target, counted: true) {
                case .failure(let error): return .failure(error.outcome)
                case .success(let found): return .success(found.contains { facts.ip.isIn($0, prefix: prefix) })
                }
            case .mx(let spec, let ip4, let ip6):
                let target = await self.target(spec, default: domain)
                guard DNSName.isQueryable(target) else { return .success(false) }
                let hosts: [String]
                switch await check.resolver.lookup(target, .mx) {
                case .failure(let reason): return .failure(Outcome(code: .temperror, detail: "MX lookup of \(target): \(reason)"))
                case .noSuchName: hosts = []
                case .records(let names): hosts = names.map { String(decoding: $0, as: UTF8.self) }
                }
                if hosts.isEmpty, let outcome = countVoid(target) { return .failure(outcome) }
                guard hosts.count <= SPFCheck.nameLimit else {
                    return .failure(Outcome(code: .permerror, detail: "\(target) has more than \(SPFCheck.nameLimit) MX records"))
                }
                let prefix = facts.ip.isIPv4 ? ip4 : ip6
                for host in hosts {
                    switch await addresses(of: host, counted: false) {
                    case .failure(let error): return .failure(error.outcome)
                    case .success(let found): if found.contains(where: { facts.ip.isIn($0, prefix: prefix) }) { return .success(true) }
                    }
                }
                return .success(false)
            case .ptr(let spec):
                let target = await self.target(spec, default: domain).lowercased()
                let names: [String]
                switch await check.resolver.lookup(facts.ip.reverseName, .ptr) {
                case .failure, .noSuchName: names = []  // 5.5: a DNS error here is no match
                case .records(let found): names = found.map { String(decoding: $0, as: UTF8.self).lowercased() }
                }
                if names.isEmpty, let outcome = countVoid(facts.ip.reverseName) { return .failure(outcome) }
                for name in names.prefix(SPFCheck.nameLimit) where name == target || name.hasSuffix("." + target) {
                    if case .success(let found) = await addresses(of: name, counted: false), found.contains(facts.ip) { return .success(true) }
                }
                return .success(false)
            case .exists(let spec):
                let target = await self.target(spec, default: domain)
                guard DNSName.isQueryable(target) else { return .success(false) }
                // Always A, whatever the client's address family (5.7).
                switch await check.resolver.lookup(target, .a) {
                case .failure(let reason): return .failure(Outcome(code: .temperror, detail: "A lookup of \(target): \(reason)"))
                case .noSuchName: break
                case .records(let found) where !found.isEmpty: return .success(true)
                case .records: break
                }
                if let outcome = countVoid(target) { return .failure(outcome) }
                return .success(false)
            }
        }

        /// A or AAAA records of `name` as the client's family needs; `counted`: an empty answer is a
        /// void lookup (the mechanism's own question, not an MX host's).
        mutating func addresses(of name: String, counted: Bool) async -> Result<[IPAddress], OutcomeError> {
            guard DNSName.isQueryable(name) else { return .success([]) }
            switch await check.resolver.lookup(name, facts.ip.isIPv4 ? .a : .aaaa) {
            case .failure(let reason):
                return .failure(OutcomeError(Outcome(code: .temperror, detail: "\(facts.ip.isIPv4 ? "A" : "AAAA") lookup of \(name): \(reason)")))
            case .noSuchName:
                if counted, let outcome = countVoid(name) { return .failure(OutcomeError(outcome)) }
                return .success([])
            case .records(let texts):
                let found = texts.compactMap { IPAddress(String(decoding: $0, as: UTF8.self)) }
                if found.isEmpty && counted, let outcome = countVoid(name) { return .failure(OutcomeError(outcome)) }
                return .success(found)
            }
        }

        /// 4.6.4: more than two lookups that find nothing is a permerror.
        mutating func countVoid(_ name: String) -> Outcome? {
            voidLookups += 1
            guard voidLookups > SPFCheck.voidLookupLimit else { return nil }
            return Outcome(code: .permerror, detail: "more than \(SPFCheck.voidLookupLimit) lookups found nothing (the last: \(name))")
        }

        /// `%{p}` (7.3): a PTR name of the client whose own addresses include it; "unknown" otherwise.
        mutating func findValidatedName() async {
            validatedNameFound = true
            guard case .records(let found) = await check.resolver.lookup(facts.ip.reverseName, .ptr) else { return }
            let names = found.map { String(decoding: $0, as: UTF8.self).lowercased() }.prefix(SPFCheck.nameLimit)
            let domain = facts.domain.lowercased()
            var validated: [String] = []
            for name in names {
                if case .success(let addresses) = await addresses(of: name, counted: false), addresses.contains(facts.ip) { validated.append(name) }
            }
            // Prefer the domain itself, then a subdomain of it, then any.
            facts.validatedName = validated.first { $0 == domain } ?? validated.first { $0.hasSuffix("." + domain) } ?? validated.first
        }

        /// 6.2: the exp= target's single TXT record, expanded; nil when anything about it is wrong.
        mutating func explanation(_ spec: SPFMacroString, domain: String) async -> String? {
            let previousDomain = facts.domain
            facts.domain = domain
            defer { facts.domain = previousDomain }
            let target = await self.target(spec, default: domain)
            guard DNSName.isQueryable(target), case .records(let texts) = await check.resolver.lookup(target, .txt), texts.count == 1,
                  texts[0].allSatisfy({ $0 < 0x80 }),
                  let text = try? SPFMacroString.parse(Substring(String(decoding: texts[0], as: UTF8.self)), explanation: true) else { return nil }
            if text.usesValidatedName && !validatedNameFound { await findValidatedName() }
            return text.expand(facts)
        }
    }

    struct OutcomeError: Error {
        var outcome: Outcome
        init(_ outcome: Outcome) { self.outcome = outcome }
    }
}

/// DNS name rules the SPF check applies before asking.
enum DNSName {
    /// Labels of 1 to 63 octets, 253 in all (RFC 1035 2.3.4).
    static func isQueryable(_ name: String) -> Bool {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        guard !trimmed.isEmpty, trimmed.utf8.count <= 253 else { return false }
        return trimmed.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0.utf8.count <= 63 }
    }
}

extension SPFCheck {
    /// `check`, bounded: a check still asking DNS after `limit` is a temperror (RFC 7208 4.6.4 asks
    /// for at least 20 seconds), so slow name servers cannot hold a message for ever.
    public func checkWithin(_ limit: Duration, ip: IPAddress, sender: String, helo: String) async -> SPFResult {
        await withTaskGroup(of: SPFResult?.self) { group in
            group.addTask { await self.check(ip: ip, sender: sender, helo: helo) }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            let domain = sender.isEmpty ? helo : MailAddress.domain(of: sender)
            return SPFResult(code: .temperror, identity: sender.isEmpty ? .helo : .mailfrom, domain: domain,
                             detail: "no result within \(limit) (DNS too slow)")
        }
    }
}

extension SPFResult {
    /// A Received-SPF field's value (RFC 7208 9.1), e.g. for the stored message and `check-sender`.
    public func receivedSPF(ip: IPAddress, sender: String, helo: String, receiver: String) -> String {
        let who = identity == .mailfrom ? "domain of \(sender)" : "\(helo)"
        let comment: String = switch code {
        case .pass: "\(who) designates \(ip) as permitted sender"
        case .fail: "\(who) does not designate \(ip) as permitted sender"
        case .softfail: "transitioning \(who) does not designate \(ip) as permitted sender"
        case .neutral: "\(ip) is neither permitted nor denied by \(who)"
        case .none: "\(who) does not publish an SPF policy"
        case .temperror: "error in processing during lookup of \(who)"
        case .permerror: "\(who) publishes a broken SPF policy"
        }
        func quoted(_ text: String) -> String {
            // By code point, not Character: a backslash followed by a combining mark is one Character.
            var out = String.UnicodeScalarView([UnicodeScalar(0x22)])
            for scalar in text.unicodeScalars {
                if scalar == "\\" || scalar == "\"" { out.append("\\") }
                out.append(scalar)
            }
            out.append("\"")
            return String(out)
        }
        return "\(code.rawValue) (\(receiver): \(comment)) client-ip=\(ip); envelope-from=\(quoted(sender)); helo=\(quoted(helo)); identity=\(identity.rawValue); receiver=\(receiver);"
    }
}

/// `[replies] require_spf`: which senders may be answered, by the SPF result of their address.
public enum SPFRequirement: String, Sendable, Equatable, CaseIterable {
    /// SPF is not checked.
    case off
    /// Anyone but a sender whose domain says this client may not send for it (fail), whose policy
    /// cannot be read (permerror), or whose check could not finish (temperror): when in doubt a
    /// gateway does not answer, as an answer to a forged sender is backscatter.
    case notFail = "not-fail"
    /// Only senders whose domain permits this client (pass).
    case pass

    /// Why a sender with this result is not answered, or nil when it may be.
    public func refusal(_ result: SPFResult?) -> String? {
        switch self {
        case .off: return nil
        case .notFail:
            guard let result else { return nil }
            switch result.code {
            case .fail: return "SPF fail for \(result.domain): the sender address is forged"
            case .permerror: return "SPF permerror for \(result.domain): its policy is broken, so the sender cannot be trusted (\(result.detail))"
            case .temperror: return "SPF temperror for \(result.domain): the check did not finish (\(result.detail))"
            case .pass, .neutral, .softfail, .none: return nil
            }
        case .pass:
            guard let result else { return "SPF was not checked" }
            return result.code == .pass ? nil : "SPF \(result.code.rawValue) for \(result.domain), require_spf = \"pass\""
        }
    }
}
