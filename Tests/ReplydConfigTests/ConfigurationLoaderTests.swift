import Testing
@testable import ReplydConfig

@Suite struct ConfigurationLoaderTests {
    func load(_ text: String, exists: Set<String> = []) -> Result<Configuration, ConfigProblems> {
        ConfigurationLoader.load(text: text, file: "replyd.toml", fileExists: { exists.contains($0) })
    }

    func problems(_ text: String) -> [String] {
        if case .failure(let problems) = load(text) { return problems.diagnostics.map(\.description) }
        return []
    }

    @Test func emptyFileGivesDefaults() throws {
        let config = try load("").get()
        #expect(config == Configuration())
        #expect(config.smtp.listen.description == "127.0.0.1:2525")
        #expect(config.http.listen.description == "127.0.0.1:8080")
        #expect(config.mail.localDomains == ["example.test"])
    }

    @Test func readsEveryKind() throws {
        let config = try load("""
            [server]
            hostname = "mx.firma.pl"
            shutdown_grace = "0s"
            [smtp]
            listen = "[::1]:25"
            max_message_size = "25M"
            max_line_length = 2000
            command_timeout = "5m"
            data_timeout = 30
            require_tls = true
            [mail]
            local_domains = ["firma.pl", "Firma.com.pl"]
            catch_all = false
            mailboxes = ["jan@firma.pl"]
            recipient_delimiter = ""
            """).get()
        #expect(config.server.hostname == "mx.firma.pl")
        #expect(config.server.shutdownGrace == .zero)
        #expect(config.smtp.listen == HostPort(host: "::1", port: 25))
        #expect(config.smtp.maxMessageSize == 25 * 1024 * 1024)
        #expect(config.smtp.maxLineLength == 2000)
        #expect(config.smtp.commandTimeout == .seconds(300))
        #expect(config.smtp.dataTimeout == .seconds(30))
        #expect(config.smtp.requireTLS)
        #expect(config.mail.recipientDelimiter == nil)
        #expect(config.recipientPolicy.verdict(for: .init(localPart: "jan", domain: "firma.pl")) == .accept)
        #expect(config.recipientPolicy.verdict(for: .init(localPart: "x", domain: "firma.com.pl")) == .unknownUser)
    }

    @Test func postgresStorage() throws {
        let config = try load("""
            [storage]
            backend = "postgres"
            postgres_url = "postgres://replyd@db.firma.pl/replyd?sslmode=verify-full&sslrootcert=/etc/ca.pem"
            postgres_password_env = "REPLYD_DB_PASSWORD"
            postgres_pool_size = 20
            postgres_connect_timeout = "3s"
            """, exists: ["/etc/ca.pem"]).get()
        #expect(config.storage.backend == .postgres && config.storage.postgresPoolSize == 20)
        #expect(config.storage.postgresPasswordEnv == "REPLYD_DB_PASSWORD" && config.storage.postgresConnectTimeout == .seconds(3))
        #expect(problems("[storage]\nbackend = \"postgres\"\npostgres_url = \"postgres://u@h/d?sslrootcert=/nowhere.pem\"\n")
                == ["replyd.toml:3: storage.postgres_url: sslrootcert file not found: /nowhere.pem"])
        #expect(problems("[storage]\npostgres_password_env = \"NOT A NAME\"\n")
                == ["replyd.toml:2: storage.postgres_password_env: must be an environment variable's name"])
    }

    @Test func wrongTypeNamesLineAndKey() {
        #expect(problems("""
            [smtp]
            # comment
            max_recipients = "ten"
            """) == ["replyd.toml:3: smtp.max_recipients: expected an integer, found a string"])
    }

    @Test func unknownKeyAndSection() {
        let found = problems("""
            [smtp]
            max_recipents = 10

            [smpt]
            listen = "x"
            """)
        #expect(found.count == 2)
        #expect(found[0].hasPrefix("replyd.toml:2: smtp.max_recipents: unknown key"))
        #expect(found[1].hasPrefix("replyd.toml:4: smpt: unknown section"))
    }

    @Test func everyProblemIsReported() {
        let found = problems("""
            [smtp]
            max_line_length = 10
            listen = "nowhere"
            command_timeout = "soon"
            max_message_size = "10 parsecs"
            [tls]
            certificate = "/no/such.pem"
            """)
        #expect(found == [
            "replyd.toml:2: smtp.max_line_length: must be between 512 and 1000000, found 10",
            "replyd.toml:3: smtp.listen: expected \"host:port\" (port 0-65535), found \"nowhere\"",
            "replyd.toml:4: smtp.command_timeout: expected a duration (seconds, or a string like \"30s\" or \"5m\"), found \"soon\"",
            "replyd.toml:5: smtp.max_message_size: expected a size in bytes or a string like \"10M\", found \"10 parsecs\"",
            // A missing key is pointed at its table.
            "replyd.toml:6: tls.private_key: is required when tls.certificate is set",
        ])
    }

    @Test func syntaxErrorHasLine() {
        let found = problems("""
            [smtp]
            max_errors = 
            """)
        #expect(found.count == 1)
        #expect(found[0].hasPrefix("replyd.toml:2: smtp.max_errors: TOML syntax error"))
        #expect(problems("[server]\nhostname = \"mx.example.test\n") == ["replyd.toml:2: server.hostname: TOML syntax error: unterminated string"])
    }

    @Test func crossChecks() {
        #expect(problems("""
            [tls]
            certificate = "c.pem"
            private_key = "k.pem"
            """) == ["replyd.toml:2: tls.certificate: file not found: c.pem", "replyd.toml:3: tls.private_key: file not found: k.pem"])
        #expect((try? load("[tls]\ncertificate = \"c.pem\"\nprivate_key = \"k.pem\"", exists: ["c.pem", "k.pem"]).get()) != nil)
        #expect(problems("[mail]\ncatch_all = false") == ["replyd.toml:2: mail.catch_all: is false but mail.mailboxes is empty: every recipient would be refused"])
        #expect(problems("[mail]\nmailboxes = [\"a@other.test\"]") == ["replyd.toml:2: mail.mailboxes: a@other.test is not in a local domain (mail.local_domains)"])
        #expect(problems("[smtp]\nrequire_tls = true\n[tls]\nenabled = false") == ["replyd.toml:2: smtp.require_tls: cannot be true while tls.enabled is false"])
    }

    @Test func lineIndexSkipsMultilineValues() {
        let index = TOMLLineIndex("""
            [mail]
            local_domains = [
              "a.test",   # not = a key
              "b.test",
            ]
            note = \"\"\"
            fake = 1
            \"\"\"
            "catch_all" = true
            [ "smtp" ]
            listen = "x"
            """)
        #expect(index.line(of: "mail.local_domains") == 2)
        #expect(index.line(of: "mail.fake") == 1)  // falls back to the table
        #expect(index.line(of: "mail.catch_all") == 9)
        #expect(index.line(of: "smtp.listen") == 11)
        #expect(index.line(of: "nowhere.key") == nil)
    }

    @Test func hostPortParsing() {
        #expect(HostPort.parse("127.0.0.1:0") == HostPort(host: "127.0.0.1", port: 0))
        #expect(HostPort.parse("[::1]:2525") == HostPort(host: "::1", port: 2525))
        #expect(HostPort.parse("::1:25") == nil)
        #expect(HostPort.parse("host:70000") == nil)
        #expect(HostPort.parse("host") == nil)
        #expect(HostPort.parse(":25") == nil)
    }

    @Test func apiTokens() throws {
        let config = try load("""
            [[api.tokens]]
            name = "ops"
            token = "0123456789abcdef0123"
            scopes = ["admin"]

            [[api.tokens]]
            name = "hr"
            token = "fedcba9876543210fedc"
            scopes = ["vacation", "contacts"]
            """).get()
        #expect(config.api.tokens.map(\.name) == ["ops", "hr"])
        #expect(config.api.tokens[1].scopes == ["vacation", "contacts"])
        let bad = problems("""
            [[api.tokens]]
            name = "short"
            token = "abc"
            scopes = ["admin"]
            """)
        #expect(bad.count == 1 && bad[0].contains("api.tokens") && bad[0].contains("at least 16 characters"))
        #expect(problems("[[api.tokens]]\nname = \"x\"\ntoken = \"0123456789abcdef0123\"\nscopes = [\"root\"]\n")
            .first?.contains("unknown scope \"root\"") == true)
        #expect(problems("[[api.tokens]]\nname = \"x\"\ntoken = \"0123456789abcdef0123\"\n").first?.contains("scopes is required") == true)
        let twice = "[[api.tokens]]\nname = \"x\"\ntoken = \"0123456789abcdef0123\"\nscopes = [\"read\"]\n"
        #expect(problems(twice + twice).first?.contains("used twice") == true)
    }

    @Test func dkimKeys() throws {
        let text = """
            [server]
            hostname = "mx.example.test"

            [[dkim.keys]]
            domain = "Example.TEST"
            selector = "rsa2026"
            key_file = "dkim/rsa.key"

            [[dkim.keys]]
            domain = "example.test"
            selector = "ed.2026"
            key_file = "dkim/ed.key"
            """
        let config = try load(text).get()
        #expect(config.dkim.keys == [.init(domain: "example.test", selector: "rsa2026", keyFile: "dkim/rsa.key"),
                                     .init(domain: "example.test", selector: "ed.2026", keyFile: "dkim/ed.key")])
        // What is wrong with a key file is the caller's to say (it reads keys); reported at the table.
        let unusable = ConfigurationLoader.load(text: text, file: "replyd.toml",
                                                keyProblem: { $0 == "dkim/ed.key" ? "dkim/ed.key: file not found" : nil })
        guard case .failure(let found) = unusable else { Issue.record("an unusable key was accepted"); return }
        #expect(found.diagnostics.map(\.description) == ["replyd.toml:4: dkim.keys: entry 2 (example.test): key_file dkim/ed.key: file not found"])

        let entry = "[[dkim.keys]]\ndomain = \"example.test\"\nselector = \"s\"\nkey_file = \"k\"\n"
        #expect(problems(entry + entry).first?.contains("s._domainkey.example.test is given twice") == true)
        #expect(problems("[[dkim.keys]]\ndomain = \"not a domain\"\nselector = \"s\"\nkey_file = \"k\"\n").first?.contains("domain is required") == true)
        #expect(problems("[[dkim.keys]]\ndomain = \"example.test\"\nselector = \"a_b\"\nkey_file = \"k\"\n").first?.contains("selector is required") == true)
        #expect(problems("[[dkim.keys]]\ndomain = \"example.test\"\nselector = \"s\"\n").first?.contains("key_file is required") == true)
        #expect(problems("[[dkim.keys]]\ndomain = \"example.test\"\nselector = \"s\"\nkey_file = \"k\"\nalgorithm = \"rsa\"\n")
            .first?.contains("unknown key algorithm") == true)
        #expect(problems("[dkim]\nkeys = \"k\"\n").first?.contains("expected [[dkim.keys]] tables") == true)
    }
}
