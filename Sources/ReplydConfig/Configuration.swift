#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ReplydCore

/// Everything `conf/replyd.toml` can set. The defaults are the embedded configuration that makes
/// `replyd serve` work on a fresh checkout (DESIGN.md: SMTP on 127.0.0.1:2525, HTTP on 127.0.0.1:8080,
/// SQLite under data/, a development certificate under certs/, catch-all for example.test).
public struct Configuration: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        /// Announced in the greeting and EHLO, put in the development certificate, and the domain of
        /// Message-IDs that have no better one. Default: this machine's name (as Postfix's myhostname).
        public var hostname = Server.machineHostName

        /// gethostname(2), or "localhost" when it gives nothing usable.
        public static var machineHostName: String {
            var buffer = [CChar](repeating: 0, count: 256)
            guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
            let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
            return !name.isEmpty && MailAddress.isValidDomain(Substring(name)) ? name : "localhost"
        }
        /// How long a graceful shutdown waits for sessions in flight before closing them with 421.
        public var shutdownGrace: Duration = .seconds(10)
    }

    public struct SMTP: Sendable, Equatable {
        public var listen = HostPort(host: "127.0.0.1", port: 2525)
        public var maxMessageSize = 10 * 1024 * 1024
        /// Octets per line including CRLF; RFC 5321 4.5.3.1.6 says 1000.
        public var maxLineLength = 1000
        public var maxRecipients = 100
        public var maxConnections = 200
        /// Sessions at once from one client address (Postfix's smtpd_client_connection_count_limit).
        public var maxConnectionsPerIP = 50
        public var maxErrors = 20
        /// NOOP, RSET, VRFY, HELP and HELO/EHLO beyond this many per session count as errors (Postfix's
        /// smtpd_junk_command_limit), so a client cannot hold a session open with them forever.
        public var maxJunkCommands = 100
        /// RFC 5321 4.5.3.2 suggests 5 minutes for commands and 3 minutes per data block. Each is a
        /// deadline for the whole command line, or the whole message, not reset by every byte.
        public var commandTimeout: Duration = .seconds(300)
        public var dataTimeout: Duration = .seconds(180)
        /// The DATA deadline grows by one second for every this many octets received (Postfix's
        /// smtpd_min_data_rate): a large message sent at a real rate finishes, a trickle does not. 0: fixed.
        public var minDataRate = 500
        /// A message in DATA is held in memory up to this size, then spooled to a temporary file in
        /// the data directory, so unfinished transfers cannot fill memory.
        public var spoolThreshold = 256 * 1024
        public var requireTLS = false
        /// How long the SPF check of one message may take before it counts as temperror.
        public var spfTimeout: Duration = .seconds(20)
    }

    public struct TLS: Sendable, Equatable {
        public var enabled = true
        /// PEM files; when both are empty a development CA and certificate are made in `devCertDir`.
        public var certificate: String?
        public var privateKey: String?
        public var devCertDir = "certs"
    }

    public struct HTTP: Sendable, Equatable {
        public var listen = HostPort(host: "127.0.0.1", port: 8080)
        /// Connections at once; more are answered 503 and closed.
        public var maxConnections = 512
        /// A connection with no request part read or response written for this long is closed
        /// (trickled header bytes do not count: nothing is read until the head is whole).
        public var idleTimeout: Duration = .seconds(30)
        /// A request's body must arrive whole within this long of its head.
        public var requestTimeout: Duration = .seconds(60)
    }

    public struct Storage: Sendable, Equatable {
        public var backend = StorageBackend.sqlite
        /// Relative paths are inside the data directory.
        public var database = "replyd.sqlite"
        /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]` when `backend` is postgres.
        public var postgresURL: String?
        /// The environment variable holding the password, so it need not be in the file.
        public var postgresPasswordEnv: String?
        /// Connections this node opens to PostgreSQL at most.
        public var postgresPoolSize = 10
        /// How long a message waits for a PostgreSQL connection before SMTP answers 451 (the database
        /// is unreachable or every connection busy).
        public var postgresConnectTimeout: Duration = .seconds(10)
        /// Raw inbound messages (bytes and header fields) older than this many days are pruned; the
        /// message's row, its decisions and the delivery records stay. 0 keeps everything.
        public var retentionDays = 0
    }

    public struct Mail: Sendable, Equatable {
        public var localDomains: [String] = ["example.test"]
        public var catchAll = true
        public var mailboxes: [String] = []
        public var recipientDelimiter: String? = "+"
        /// Double opt-in for e-mail lists: unanswered confirmations per list, and how long one stays valid.
        public var listMaxPending = 100
        public var listConfirmWithin: Duration = .seconds(7 * 86_400)
    }

    public struct Replies: Sendable, Equatable {
        /// Off: messages are only logged, never answered.
        public var enabled = true
        /// Upper bound on a vacation's `days` (at most one reply per sender per period).
        public var maxDays = 30
        /// Replies one mailbox may queue per hour; more are suppressed as `rate-limited`.
        public var maxPerHour = 100
        /// Envelope sender of replies: "null" (`<>`, RFC 3834) or "mailbox" where a relay or SPF
        /// demands a real one.
        public var envelopeSender: EnvelopeSender = .null
        /// Backscatter: a sender is answered only when the SPF result of its address allows it.
        public var requireSPF: SPFRequirement = .notFail
    }

    public struct Delivery: Sendable, Equatable {
        /// "hold" (queue only, nothing leaves), "relay" (a smarthost) or "mx" (direct to the
        /// recipient domain's mail servers).
        public var mode: DeliveryMode = .hold
        /// EHLO name; empty means server.hostname.
        public var heloName = ""
        public var concurrency = 20
        public var perDestination = 5
        public var firstRetry: Duration = .seconds(60)
        public var maxRetryInterval: Duration = .seconds(3600)
        public var maxAge: Duration = .seconds(5 * 86_400)
        /// How long a claimed item stays reserved for its worker (then another may take it).
        public var lease: Duration = .seconds(600)
        public var pollInterval: Duration = .milliseconds(250)
        public var connectTimeout: Duration = .seconds(30)
        public var commandTimeout: Duration = .seconds(300)
        public var dataTimeout: Duration = .seconds(600)
        /// How long a delivered-over session waits for the next message to the same server (0: no reuse).
        public var connectionCacheTime: Duration = .seconds(2)
        /// How long after it was opened a session may still be reused.
        public var connectionReuseTime: Duration = .seconds(300)
        /// PEM file of trusted CAs for verified TLS; empty means the system's roots.
        public var caFile: String?
        public var relayHost = ""
        public var relayPort = 587
        /// "required" (STARTTLS, verified), "implicit" (TLS from the start, 465), "opportunistic", "none".
        public var relayTLS: TLSPolicy = .required
        public var username: String?
        public var password: String?
        public var mxPort = 25
        /// "opportunistic" (STARTTLS when offered, unverified) or "required" (verified).
        public var mxTLS: TLSPolicy = .opportunistic
        /// "host:port" of the name server for MX lookups; empty means /etc/resolv.conf.
        public var resolver: String?
    }

    public struct SMS: Sendable, Equatable {
        /// Shared secret of `POST /sms/inbound` (X-Signature: sha256=HMAC of the body); empty turns it off.
        public var webhookSecret: String?
        /// Twilio auth token for `POST /sms/twilio`; empty turns it off.
        public var twilioAuthToken: String?
        /// Base URL as the provider calls it (signatures cover the full URL), e.g. behind a proxy
        /// "https://replyd.example.com"; empty means http://<Host header>.
        public var publicURL: String?
        /// Country code for numbers written without one ("48": 600100200 -> +48600100200).
        public var defaultCountryCode: String? = "48"
        public var maxBody = 64 * 1024
        /// Who sends replies: "none" (queued, nothing leaves), "twilio", "mprofi" or "http".
        public var provider: SMSProviderChoice = .none
        /// The provider API's base URL; empty means the provider's public one (required for "http").
        public var providerURL: String?
        public var twilioAccountSID: String?
        public var mprofiAPIKey: String?
        /// mProfi issues keys that receive apart from keys that send; empty: mprofi_api_key.
        public var mprofiReceiveAPIKey: String?
        /// How often to fetch what mProfi received (GETINCOMING); zero: never, a forwarder posts to /sms/inbound.
        public var mprofiPollInterval: Duration = .zero
        /// Bearer token for the "http" provider.
        public var httpToken: String?
        /// PEM file of CAs to trust for the provider's HTTPS instead of the system's.
        public var providerCAFile: String?
        public var providerTimeout: Duration = .seconds(30)
        public var sendConcurrency = 4
    }

    public struct API: Sendable, Equatable {
        /// A bearer token of the admin API (`[[api.tokens]]`) and what it may do.
        public struct Token: Sendable, Equatable {
            public var name: String
            public var secret: String
            public var scopes: Set<String>

            public init(name: String, secret: String, scopes: Set<String>) {
                self.name = name
                self.secret = secret
                self.scopes = scopes
            }
        }

        /// `admin` may do everything; `read` may read everything; the others may read and change one
        /// area each.
        public static let scopes = ["admin", "read", "mailboxes", "vacation", "contacts", "sms", "queue", "log", "notify"]

        /// No tokens: the admin API answers 401 to everything (there is no anonymous access).
        public var tokens: [Token] = []
        public var maxBody = 1024 * 1024
    }

    public struct Notifications: Sendable, Equatable {
        public var events = NotificationRules.defaultEvents
        public var maxPerOrder = 4
        public var minGap: Duration = .seconds(30 * 60)
        /// "21:00-08:00"; empty turns quiet hours off.
        public var quietHours: String? = "21:00-08:00"
        public var timeZone = "Europe/Warsaw"
        public var locale = "pl"
        /// "sms" or "email": tried first for a customer with no preference.
        public var defaultChannel = "sms"
        /// `Name <address>` notifications are sent from (and bounces return to); empty: no e-mail.
        public var emailFrom: String?
        /// The number SMS notifications come from (its list's opt-outs apply); empty: no SMS.
        public var smsFrom: String?
        public var maxSMSParts = 3
        public var shopName = "replyd"
    }

    public struct DKIM: Sendable, Equatable {
        /// A signing key (`[[dkim.keys]]`): mail whose From is in `domain` (or a subdomain without
        /// keys of its own) is signed with it under `selector`.
        public struct Key: Sendable, Equatable {
            public var domain: String
            public var selector: String
            public var keyFile: String

            public init(domain: String, selector: String, keyFile: String) {
                self.domain = domain
                self.selector = selector
                self.keyFile = keyFile
            }
        }

        /// No keys: mail leaves unsigned.
        public var keys: [Key] = []

        /// RFC 6376 3.1: a selector is one or more dot-separated DNS labels.
        public static func isValidSelector(_ selector: String) -> Bool {
            !selector.isEmpty && selector.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
        }
    }

    public var server = Server()
    public var dkim = DKIM()
    public var notifications = Notifications()
    public var api = API()
    public var sms = SMS()
    public var delivery = Delivery()
    public var replies = Replies()
    public var smtp = SMTP()
    public var tls = TLS()
    public var http = HTTP()
    public var storage = Storage()
    public var mail = Mail()

    public init() {}

    /// The fatigue rules as the policy takes them.
    public var notificationRules: NotificationRules {
        var available = Set<NotificationChannel>()
        // A channel is available when it has a sender; hold modes only delay the actual sending.
        if notifications.emailFrom != nil { available.insert(.email) }
        if notifications.smsFrom != nil { available.insert(.sms) }
        return NotificationRules(
            events: notifications.events, maxPerOrder: notifications.maxPerOrder, minGap: notifications.minGap,
            quietHours: notifications.quietHours.flatMap(QuietHours.parse), timeZone: notifications.timeZone,
            locale: notifications.locale, defaultChannel: NotificationChannel(rawValue: notifications.defaultChannel) ?? .sms,
            available: available)
    }

    public var recipientPolicy: RecipientPolicy {
        RecipientPolicy(
            localDomains: Set(mail.localDomains),
            catchAll: mail.catchAll,
            mailboxes: Set(mail.mailboxes),
            recipientDelimiter: mail.recipientDelimiter.flatMap(\.first)
        )
    }
}

/// `host:port`, with IPv6 hosts in brackets (`[::1]:2525`).
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public static func parse(_ text: String) -> HostPort? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        return HostPort(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
