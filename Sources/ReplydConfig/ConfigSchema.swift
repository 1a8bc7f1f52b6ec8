import Foundation
import ReplydCore
import TOMLKit


/// A known key: its name and how a TOML value is checked and stored (nil, or what is wrong).
struct ConfigField {
    let key: String
    let apply: (TOMLValueConvertible, inout Configuration) -> String?
}

/// The keys of every section. Adding a setting means adding one line here and a default in
/// `Configuration`; the loader, `check-config` and the diagnostics follow.
public enum ConfigSchema {
    static var sections: [String: [ConfigField]] {
        [
            "server": [
                string("hostname", \.server.hostname, validate: { $0.isEmpty || $0.contains(" ") ? "must be a host name" : nil }),
                duration("shutdown_grace", \.server.shutdownGrace, allowZero: true),
            ],
            "smtp": [
                hostPort("listen", \.smtp.listen),
                size("max_message_size", \.smtp.maxMessageSize, range: 1...(2 << 30)),
                int("max_line_length", \.smtp.maxLineLength, range: 512...1_000_000),
                int("max_recipients", \.smtp.maxRecipients, range: 1...100_000),
                int("max_connections", \.smtp.maxConnections, range: 1...1_000_000),
                int("max_connections_per_ip", \.smtp.maxConnectionsPerIP, range: 1...1_000_000),
                int("max_errors", \.smtp.maxErrors, range: 1...10_000),
                int("max_junk_commands", \.smtp.maxJunkCommands, range: 1...1_000_000),
                duration("command_timeout", \.smtp.commandTimeout),
                duration("data_timeout", \.smtp.dataTimeout),
                size("min_data_rate", \.smtp.minDataRate, range: 0...(1 << 30)),
                size("spool_threshold", \.smtp.spoolThreshold, range: 4096...(1 << 30)),
                bool("require_tls", \.smtp.requireTLS),
                duration("spf_timeout", \.smtp.spfTimeout),
            ],
            "tls": [
                bool("enabled", \.tls.enabled),
                optionalString("certificate", \.tls.certificate),
                optionalString("private_key", \.tls.privateKey),
                string("dev_cert_dir", \.tls.devCertDir, validate: { $0.isEmpty ? "must not be empty" : nil }),
            ],
            "http": [
                hostPort("listen", \.http.listen),
                int("max_connections", \.http.maxConnections, range: 1...1_000_000),
                duration("idle_timeout", \.http.idleTimeout),
                duration("request_timeout", \.http.requestTimeout),
            ],
            "replies": [
                bool("enabled", \.replies.enabled),
                int("max_days", \.replies.maxDays, range: 1...365),
                int("max_per_hour", \.replies.maxPerHour, range: 1...1_000_000),
                choice("envelope_sender", \.replies.envelopeSender, note: " (\"null\" sends replies from <>)"),
                choice("require_spf", \.replies.requireSPF),
            ],
            "delivery": [
                choice("mode", \.delivery.mode),
                string("helo_name", \.delivery.heloName),
                int("concurrency", \.delivery.concurrency, range: 1...10_000),
                int("per_destination", \.delivery.perDestination, range: 1...10_000),
                duration("first_retry", \.delivery.firstRetry),
                duration("max_retry_interval", \.delivery.maxRetryInterval),
                duration("max_age", \.delivery.maxAge),
                duration("lease", \.delivery.lease),
                duration("poll_interval", \.delivery.pollInterval),
                duration("connect_timeout", \.delivery.connectTimeout),
                duration("command_timeout", \.delivery.commandTimeout),
                duration("data_timeout", \.delivery.dataTimeout),
                duration("connection_cache_time", \.delivery.connectionCacheTime, allowZero: true),
                duration("connection_reuse_time", \.delivery.connectionReuseTime),
                optionalString("ca_file", \.delivery.caFile),
                string("relay_host", \.delivery.relayHost),
                int("relay_port", \.delivery.relayPort, range: 1...65535),
                choice("relay_tls", \.delivery.relayTLS),
                optionalString("username", \.delivery.username),
                optionalString("password", \.delivery.password),
                int("mx_port", \.delivery.mxPort, range: 1...65535),
                choice("mx_tls", \.delivery.mxTLS, allowed: [.opportunistic, .required]),
                optionalString("resolver", \.delivery.resolver, validate: { HostPort.parse($0) == nil ? "expected \"address:port\" of a name server" : nil }),
            ],
            "sms": [
                optionalString("webhook_secret", \.sms.webhookSecret),
                optionalString("twilio_auth_token", \.sms.twilioAuthToken),
                optionalString("public_url", \.sms.publicURL, validate: {
                    $0.hasPrefix("http://") || $0.hasPrefix("https://") ? nil : "must start with http:// or https://"
                }),
                optionalString("default_country_code", \.sms.defaultCountryCode, validate: {
                    $0.allSatisfy(\.isNumber) && (1...3).contains($0.count) ? nil : "must be 1 to 3 digits, e.g. \"48\""
                }),
                size("max_body", \.sms.maxBody, range: 256...(16 << 20)),
                choice("provider", \.sms.provider),
                optionalString("provider_url", \.sms.providerURL, validate: { url in
                    // Credentials travel with every request: clear text only to this machine.
                    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"].contains { url.hasPrefix($0) }
                    return url.hasPrefix("https://") || loopback ? nil : "must start with https:// (http:// only for 127.0.0.1, localhost or [::1])"
                }),
                optionalString("twilio_account_sid", \.sms.twilioAccountSID),
                optionalString("mprofi_api_key", \.sms.mprofiAPIKey),
                optionalString("mprofi_receive_api_key", \.sms.mprofiReceiveAPIKey),
                duration("mprofi_poll_interval", \.sms.mprofiPollInterval, allowZero: true),
                optionalString("http_token", \.sms.httpToken),
                optionalString("provider_ca_file", \.sms.providerCAFile),
                duration("provider_timeout", \.sms.providerTimeout),
                int("send_concurrency", \.sms.sendConcurrency, range: 1...1000),
            ],
            "api": [
                tokens("tokens", \.api.tokens),
                size("max_body", \.api.maxBody, range: 1024...(256 << 20)),
            ],
            "dkim": [
                dkimKeys("keys", \.dkim.keys),
            ],
            "notifications": [
                stringArray("events", \.notifications.events, validate: { events in
                    if events.isEmpty { return "must name at least one event" }
                    for event in events where event.isEmpty || !event.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
                        return "not an event name (letters, digits, _ and -): \"\(event)\""
                    }
                    return Set(events).count == events.count ? nil : "names an event twice"
                }),
                int("max_per_order", \.notifications.maxPerOrder, range: 1...1000),
                duration("min_gap", \.notifications.minGap, allowZero: true),
                optionalString("quiet_hours", \.notifications.quietHours, validate: {
                    QuietHours.parse($0) == nil ? "expected \"HH:MM-HH:MM\" (e.g. \"21:00-08:00\"), or empty for none" : nil
                }),
                string("time_zone", \.notifications.timeZone, validate: {
                    TimeZone(identifier: $0) == nil ? "unknown time zone (use an IANA name such as Europe/Warsaw)" : nil
                }),
                string("locale", \.notifications.locale, validate: { ["pl", "en"].contains($0) ? nil : "must be \"pl\" or \"en\"" }),
                string("default_channel", \.notifications.defaultChannel, validate: {
                    ["sms", "email"].contains($0) ? nil : "must be \"sms\" or \"email\""
                }),
                optionalString("email_from", \.notifications.emailFrom, validate: {
                    AddressList.mailboxes(in: $0).count == 1 ? nil : "expected one address, e.g. \"Sklep <sklep@example.test>\""
                }),
                optionalString("sms_from", \.notifications.smsFrom, validate: {
                    $0.hasPrefix("+") && $0.dropFirst().allSatisfy(\.isNumber) && $0.count >= 8 ? nil : "expected an E.164 number such as \"+48500100200\""
                }),
                int("max_sms_parts", \.notifications.maxSMSParts, range: 1...10),
                string("shop_name", \.notifications.shopName),
            ],
            "storage": [
                choice("backend", \.storage.backend),
                string("database", \.storage.database, validate: { $0.isEmpty ? "must not be empty" : nil }),
                optionalString("postgres_url", \.storage.postgresURL, validate: { url in
                    if case .failure(let problem) = PostgresEndpoint.parse(url) { return problem.message }
                    return nil
                }),
                optionalString("postgres_password_env", \.storage.postgresPasswordEnv, validate: {
                    $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } ? nil : "must be an environment variable's name"
                }),
                int("postgres_pool_size", \.storage.postgresPoolSize, range: 2...1000),
                duration("postgres_connect_timeout", \.storage.postgresConnectTimeout),
                int("retention_days", \.storage.retentionDays, range: 0...36_500),
            ],
            "mail": [
                stringArray("local_domains", \.mail.localDomains, validate: { domains in
                    if domains.isEmpty { return "must name at least one domain" }
                    for domain in domains where !MailAddress.isValidDomain(Substring(domain)) {
                        return "not a domain name: \"\(domain)\""
                    }
                    return nil
                }),
                bool("catch_all", \.mail.catchAll),
                stringArray("mailboxes", \.mail.mailboxes),
                optionalString("recipient_delimiter", \.mail.recipientDelimiter, validate: {
                    $0.count == 1 ? nil : "must be a single character, or empty to turn sub-addressing off"
                }),
                int("list_max_pending", \.mail.listMaxPending, range: 1...1_000_000),
                duration("list_confirm_within", \.mail.listConfirmWithin),
            ],
        ]
    }

    /// `[[api.tokens]]` tables: `name`, `token` (at least 16 characters), `scopes`.
    static func tokens(_ key: String, _ path: WritableKeyPath<Configuration, [Configuration.API.Token]>) -> ConfigField {
        ConfigField(key: key) { value, config in
            guard let array = value.array else { return "expected [[api.tokens]] tables, found \(typeName(value))" }
            var tokens: [Configuration.API.Token] = []
            for (index, element) in array.enumerated() {
                let entry = "entry \(index + 1)"
                guard let table = element.table else { return "\(entry): expected a table with name, token and scopes" }
                for unknown in table.keys where !["name", "token", "scopes"].contains(unknown) {
                    return "\(entry): unknown key \(unknown) (known: name, token, scopes)"
                }
                guard let name = table["name"]?.string, !name.isEmpty else { return "\(entry): name is required, a non-empty string" }
                guard let secret = table["token"]?.string else { return "\(entry) (\(name)): token is required, a string" }
                guard secret.count >= 16, !secret.contains(where: \.isWhitespace) else {
                    return "\(entry) (\(name)): token must be at least 16 characters without spaces (e.g. `openssl rand -hex 24`)"
                }
                guard let scopeArray = table["scopes"]?.array, !scopeArray.isEmpty else {
                    return "\(entry) (\(name)): scopes is required, a non-empty array of \(Configuration.API.scopes.joined(separator: ", "))"
                }
                var scopes = Set<String>()
                for scope in scopeArray {
                    guard let text = scope.string, Configuration.API.scopes.contains(text) else {
                        return "\(entry) (\(name)): unknown scope \(scope.string.map { "\"\($0)\"" } ?? typeName(scope)) (known: \(Configuration.API.scopes.joined(separator: ", ")))"
                    }
                    scopes.insert(text)
                }
                if tokens.contains(where: { $0.name == name }) { return "\(entry): name \"\(name)\" is used twice" }
                if tokens.contains(where: { $0.secret == secret }) { return "\(entry) (\(name)): the same token is given twice" }
                tokens.append(.init(name: name, secret: secret, scopes: scopes))
            }
            config[keyPath: path] = tokens
            return nil
        }
    }

    /// `[[dkim.keys]]` tables: `domain`, `selector`, `key_file`.
    static func dkimKeys(_ key: String, _ path: WritableKeyPath<Configuration, [Configuration.DKIM.Key]>) -> ConfigField {
        ConfigField(key: key) { value, config in
            guard let array = value.array else { return "expected [[dkim.keys]] tables, found \(typeName(value))" }
            var keys: [Configuration.DKIM.Key] = []
            for (index, element) in array.enumerated() {
                let entry = "entry \(index + 1)"
                guard let table = element.table else { return "\(entry): expected a table with domain, selector and key_file" }
                for unknown in table.keys where !["domain", "selector", "key_file"].contains(unknown) {
                    return "\(entry): unknown key \(unknown) (known: domain, selector, key_file)"
                }
                guard let domain = table["domain"]?.string, MailAddress.isValidDomain(Substring(domain)) else {
                    return "\(entry): domain is required, a domain name such as \"example.com\""
                }
                guard let selector = table["selector"]?.string, Configuration.DKIM.isValidSelector(selector) else {
                    return "\(entry) (\(domain)): selector is required, DNS labels such as \"replyd2026\""
                }
                guard let file = table["key_file"]?.string, !file.isEmpty else {
                    return "\(entry) (\(domain)): key_file is required, the path of a PEM private key (replyd dkim keygen writes one)"
                }
                let lowered = domain.lowercased()
                if keys.contains(where: { $0.domain == lowered && $0.selector == selector }) {
                    return "\(entry): \(selector)._domainkey.\(domain) is given twice"
                }
                keys.append(.init(domain: lowered, selector: selector, keyFile: file))
            }
            config[keyPath: path] = keys
            return nil
        }
    }

    static func typeName(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .int: "an integer"
        case .double: "a float"
        case .string: "a string"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        default: "a date or time"
        }
    }

    static func int(_ key: String, _ path: WritableKeyPath<Configuration, Int>, range: ClosedRange<Int>) -> ConfigField {
        ConfigField(key: key) { value, config in
            guard let number = value.int else { return "expected an integer, found \(typeName(value))" }
            guard range.contains(number) else { return "must be between \(range.lowerBound) and \(range.upperBound), found \(number)" }
            config[keyPath: path] = number
            return nil
        }
    }

    static func bool(_ key: String, _ path: WritableKeyPath<Configuration, Bool>) -> ConfigField {
        ConfigField(key: key) { value, config in
            guard let flag = value.bool else { return "expected true or false, found \(typeName(value))" }
            config[keyPath: path] = flag
            return nil
        }
    }

    static func string(_ key: String, _ path: WritableKeyPath<Configuration, String>,
                       validate: @escaping (String) -> String? = { _ in nil }) -> ConfigField {
        ConfigField(key: key) { value, config in
            guard let text = value.string else { return "expected a string, found \(typeName(value))" }
            if let problem = validate(text) { return problem }
            config[keyPath: path] = text
            return nil
        }
    }

    /// One of an enum's words (or of `allowed`), parsed once into the enum.
    static func choice<Choice: RawRepresentable & CaseIterable & Equatable>(
        _ key: String, _ path: WritableKeyPath<Configuration, Choice>, allowed: [Choice]? = nil, note: String = ""
    ) -> ConfigField where Choice.RawValue == String {
        let allowed = allowed ?? Array(Choice.allCases)
        let words = allowed.map { "\"\($0.rawValue)\"" }
        let list = words.count < 2 ? words.joined() : words.dropLast().joined(separator: ", ") + " or " + words.last!
        return ConfigField(key: key) { value, config in
            guard let text = value.string else { return "expected a string, found \(typeName(value))" }
            guard let chosen = Choice(rawValue: text), allowed.contains(chosen) else { return "must be \(list)\(note)" }
            config[keyPath: path] = chosen
            return nil
        }
    }

    /// An empty string means "not set".
    static func optionalString(_ key: String, _ path: WritableKeyPath<Configuration, String?>,
                               validate: @escaping (String) -> String? = { _ in nil }) -> ConfigField {
        ConfigField(key: key) { value, config in
            guard let text = value.string else { return "expected a string, found \(typeName(value))" }
            if text.isEmpty {
                config[keyPath: path] = nil
                return nil
            }
            if let problem = validate(text) { return problem }
            config[keyPath: path] = text
            return nil
        }
    }

    static func stringArray(_ key: String, _ path: WritableKeyPath<Configuration, [String]>,
                            validate: @escaping ([String]) -> String? = { _ in nil }) -> ConfigField {
        ConfigField(key: key) { value, config in
            guard let array = value.array else { return "expected an array of strings, found \(typeName(value))" }
            var strings: [String] = []
            for element in array {
                guard let text = element.string else { return "expected an array of strings, found \(typeName(element)) in it" }
                strings.append(text)
            }
            if let problem = validate(strings) { return problem }
            config[keyPath: path] = strings
            return nil
        }
    }

    static func hostPort(_ key: String, _ path: WritableKeyPath<Configuration, HostPort>) -> ConfigField {
        ConfigField(key: key) { value, config in
            guard let text = value.string else { return "expected a string \"host:port\", found \(typeName(value))" }
            guard let parsed = HostPort.parse(text) else { return "expected \"host:port\" (port 0-65535), found \"\(text)\"" }
            config[keyPath: path] = parsed
            return nil
        }
    }

    /// Bytes as an integer, or a string with a binary unit: "512K", "10M", "1G" (also KB/MB/GB, KiB...).
    static func size(_ key: String, _ path: WritableKeyPath<Configuration, Int>, range: ClosedRange<Int>) -> ConfigField {
        ConfigField(key: key) { value, config in
            let bytes: Int
            if let number = value.int {
                bytes = number
            } else if let text = value.string, let parsed = parseSize(text) {
                bytes = parsed
            } else {
                return "expected a size in bytes or a string like \"10M\", found \(value.string.map { "\"\($0)\"" } ?? typeName(value))"
            }
            guard range.contains(bytes) else { return "must be between \(range.lowerBound) and \(range.upperBound) bytes, found \(bytes)" }
            config[keyPath: path] = bytes
            return nil
        }
    }

    static func parseSize(_ text: String) -> Int? {
        let upper = text.uppercased().trimmingCharacters(" ")
        let digits = upper.prefix { $0.isNumber }
        guard let number = Int(digits) else { return nil }
        let unit = upper.dropFirst(digits.count).trimmingCharacters(" ")
        let multipliers: [String: Int] = ["": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10,
                                          "M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20,
                                          "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30]
        guard let multiplier = multipliers[unit] else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// Seconds as an integer, or a string with a unit: "500ms", "30s", "5m", "1h".
    static func duration(_ key: String, _ path: WritableKeyPath<Configuration, Duration>, allowZero: Bool = false) -> ConfigField {
        ConfigField(key: key) { value, config in
            let parsed: Duration?
            if let seconds = value.int {
                parsed = seconds >= 0 && seconds <= 86_400 * 365 ? .seconds(seconds) : nil
            } else if let text = value.string {
                parsed = parseDuration(text)
            } else {
                return "expected a duration (seconds, or a string like \"30s\" or \"5m\"), found \(typeName(value))"
            }
            guard let parsed else {
                return "expected a duration (seconds, or a string like \"30s\" or \"5m\"), found \"\(value.string ?? "\(value.int ?? 0)")\""
            }
            if parsed == .zero && !allowZero { return "must be greater than zero" }
            config[keyPath: path] = parsed
            return nil
        }
    }

    public static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.lowercased().trimmingCharacters(" ")
        let digits = trimmed.prefix { $0.isNumber }
        guard let number = Int(digits), number <= 86_400 * 365 * 1000 else { return nil }
        switch trimmed.dropFirst(digits.count).trimmingCharacters(" ") {
        case "ms": return .milliseconds(number)
        case "", "s": return .seconds(number)
        case "m", "min": return .seconds(number * 60)
        case "h": return .seconds(number * 3600)
        case "d": return .seconds(number * 86_400)
        default: return nil
        }
    }
}
