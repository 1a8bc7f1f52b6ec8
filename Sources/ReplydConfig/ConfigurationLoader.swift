import ReplydCore
import TOMLKit

/// One problem in a configuration file, printed as `file:line: key: what is wrong`.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible, Error {
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int?, key: String?, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var out = file
        if let line { out += ":\(line)" }
        out += ": "
        if let key { out += "\(Self.oneLine(key)): " }
        return out + Self.oneLine(message)
    }

    /// One problem, one line: a quoted key may hold a line break or other control characters.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.flatMap { scalar -> [Unicode.Scalar] in
            scalar.properties.generalCategory == .control ? Array(scalar.escaped(asASCII: true).unicodeScalars) : [scalar]
        }))
    }
}

/// Every problem found in one file.
public struct ConfigProblems: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]
    public init(_ diagnostics: [ConfigDiagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// TOML text to `Configuration`, collecting every problem rather than stopping at the first.
/// Pure: reads no files; whether a referenced file exists is asked through `fileExists`.
public enum ConfigurationLoader {
    /// `keyProblem` says what is wrong with a DKIM key file (missing, unreadable, not a usable key),
    /// or nil; the caller that can read keys supplies it.
    public static func load(
        text: String, file: String, fileExists: (String) -> Bool = { _ in true }, keyProblem: (String) -> String? = { _ in nil }
    ) -> Result<Configuration, ConfigProblems> {
        if let (line, message) = TOMLPreflight.firstProblem(in: text) {
            return .failure(ConfigProblems([ConfigDiagnostic(file: file, line: line, key: nil, message: "TOML syntax error: \(message)")]))
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line
            let source = text.split(separator: "\n", omittingEmptySubsequences: false)
            let lineText = line >= 1 && line <= source.count ? source[line - 1] : ""
            // toml++ reports an unclosed string as the newline that follows it, which misleads.
            let unterminated = error.description.contains("control characters") && lineText.filter { $0 == "\"" }.count % 2 == 1
            let message = unterminated ? "unterminated string" : error.description
            return .failure(ConfigProblems([ConfigDiagnostic(file: file, line: line, key: TOMLLineIndex(text).key(atLine: line),
                                                             message: "TOML syntax error: \(message)")]))
        } catch {
            return .failure(ConfigProblems([ConfigDiagnostic(file: file, line: nil, key: nil, message: "cannot parse: \(error)")]))
        }
        let index = TOMLLineIndex(text)
        var problems: [ConfigDiagnostic] = []
        func report(_ key: String, _ message: String) {
            problems.append(ConfigDiagnostic(file: file, line: index.line(of: key), key: key, message: message))
        }

        var config = Configuration()
        let schema = ConfigSchema.sections
        for (sectionName, value) in table.sorted(by: { $0.0 < $1.0 }) {
            guard let fields = schema[sectionName] else {
                report(sectionName, "unknown section (known: \(schema.keys.sorted().joined(separator: ", ")))")
                continue
            }
            guard let section = value.table else {
                report(sectionName, "must be a table, like [\(sectionName)]")
                continue
            }
            for (key, value) in section.sorted(by: { $0.0 < $1.0 }) {
                let fullKey = "\(sectionName).\(key)"
                guard let field = fields.first(where: { $0.key == key }) else {
                    report(fullKey, "unknown key (known in [\(sectionName)]: \(fields.map(\.key).joined(separator: ", ")))")
                    continue
                }
                if let message = field.apply(value, &config) { report(fullKey, message) }
            }
        }
        for (key, message) in crossChecks(config, fileExists: fileExists) { report(key, message) }
        for (index, key) in config.dkim.keys.enumerated() {
            if let problem = keyProblem(key.keyFile) { report("dkim.keys", "entry \(index + 1) (\(key.domain)): key_file \(problem)") }
        }
        // In file order, as an editor would walk through them.
        let ordered = problems.enumerated().sorted { ($0.element.line ?? .max, $0.offset) < ($1.element.line ?? .max, $1.offset) }.map(\.element)
        return problems.isEmpty ? .success(config) : .failure(ConfigProblems(ordered))
    }

    /// Rules that involve more than one key, or the file system.
    static func crossChecks(_ config: Configuration, fileExists: (String) -> Bool) -> [(String, String)] {
        var problems: [(String, String)] = []
        switch (config.tls.certificate, config.tls.privateKey) {
        case (nil, nil): break
        case (.some, nil): problems.append(("tls.private_key", "is required when tls.certificate is set"))
        case (nil, .some): problems.append(("tls.certificate", "is required when tls.private_key is set"))
        case (.some(let cert), .some(let key)):
            if !fileExists(cert) { problems.append(("tls.certificate", "file not found: \(cert)")) }
            if !fileExists(key) { problems.append(("tls.private_key", "file not found: \(key)")) }
        }
        if config.delivery.mode == .relay && config.delivery.relayHost.isEmpty {
            problems.append(("delivery.relay_host", "is required when delivery.mode is \"relay\""))
        }
        if (config.delivery.username == nil) != (config.delivery.password == nil) {
            problems.append(("delivery.username", "username and password go together"))
        }
        if config.delivery.username != nil && !config.delivery.relayTLS.protectsCredentials {
            problems.append(("delivery.relay_tls", "must be \"required\" or \"implicit\" when credentials are set: they never travel in clear text"))
        }
        if let caFile = config.delivery.caFile, !fileExists(caFile) {
            problems.append(("delivery.ca_file", "file not found: \(caFile)"))
        }
        switch config.sms.provider {
        case .twilio:
            if config.sms.twilioAccountSID == nil { problems.append(("sms.twilio_account_sid", "is required when sms.provider is \"twilio\"")) }
            if config.sms.twilioAuthToken == nil { problems.append(("sms.twilio_auth_token", "is required when sms.provider is \"twilio\"")) }
        case .mprofi:
            if config.sms.mprofiAPIKey == nil { problems.append(("sms.mprofi_api_key", "is required when sms.provider is \"mprofi\"")) }
        case .http:
            if config.sms.providerURL == nil { problems.append(("sms.provider_url", "is required when sms.provider is \"http\"")) }
        case .none:
            break
        }
        if let caFile = config.sms.providerCAFile, !fileExists(caFile) {
            problems.append(("sms.provider_ca_file", "file not found: \(caFile)"))
        }
        // Polling asks mProfi's API with mProfi's key: no other provider has GETINCOMING.
        if config.sms.mprofiPollInterval > .zero && config.sms.provider != .mprofi {
            problems.append(("sms.mprofi_poll_interval", "needs sms.provider = \"mprofi\" (and its API key)"))
        }
        if config.storage.backend == .postgres {
            switch config.storage.postgresURL.map(PostgresEndpoint.parse) {
            case nil:
                problems.append(("storage.postgres_url", "is required when storage.backend is \"postgres\""))
            case .success(let endpoint)?:
                if let file = endpoint.rootCertificate, !fileExists(file) {
                    problems.append(("storage.postgres_url", "sslrootcert file not found: \(file)"))
                }
            case .failure?:
                break  // reported with the key itself
            }
        } else if config.storage.postgresURL != nil {
            problems.append(("storage.postgres_url", "is set but storage.backend is \"sqlite\": set backend = \"postgres\" to use it"))
        }
        if config.smtp.requireTLS && !config.tls.enabled {
            problems.append(("smtp.require_tls", "cannot be true while tls.enabled is false"))
        }
        if !config.mail.catchAll && config.mail.mailboxes.isEmpty {
            problems.append(("mail.catch_all", "is false but mail.mailboxes is empty: every recipient would be refused"))
        }
        for mailbox in config.mail.mailboxes {
            guard case .success(let address) = MailAddress.parse(Substring(mailbox)) else {
                problems.append(("mail.mailboxes", "not a mail address: \"\(mailbox)\""))
                continue
            }
            if !config.mail.localDomains.map({ $0.lowercased() }).contains(address.domain) {
                problems.append(("mail.mailboxes", "\(mailbox) is not in a local domain (mail.local_domains)"))
            }
        }
        return problems
    }
}
