import ArgumentParser
import Foundation
import Logging
import NIOCore
import ReplydConfig
import ReplydCore
import ReplydPipeline
import ReplydAPI
import ReplydDelivery
import ReplydSMS
import ReplydSMTP
import ReplydPostgres
import ReplydStore
import ServiceLifecycle
import Synchronization

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: SMTP listener and HTTP server.")

    @OptionGroup var common: CommonOptions

    @Option(help: "SMTP listen address, host:port (overrides smtp.listen).")
    var smtpListen: String?

    @Option(help: "HTTP listen address, host:port (overrides http.listen).")
    var httpListen: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: "Log lines on stderr: text, or json (one object per line).")
    var logFormat: LogFormat = .text

    func run() async throws {
        let file = try common.loadConfig()
        var config = file.configuration
        for (flag, value) in [("--smtp-listen", smtpListen), ("--http-listen", httpListen)] {
            guard let value else { continue }
            guard let parsed = HostPort.parse(value) else {
                printError("\(flag): expected host:port, found \"\(value)\"")
                throw ExitCode(1)
            }
            if flag == "--smtp-listen" { config.smtp.listen = parsed } else { config.http.listen = parsed }
        }
        let level = logLevel
        let format = logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                return JSONLogHandler(label: label, logLevel: level)
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let logger = Logger(label: "replyd")

        let databasePath = common.databasePath(config)
        let spoolDirectory = ((databasePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("spool")
        let descriptors = DescriptorLimit.raise()
        let store: any StoreBackend
        let tls: TLSSetup?
        do {
            try FileManager.default.createDirectory(atPath: spoolDirectory, withIntermediateDirectories: true)
            tls = try TLSSetup.make(config.tls, hostname: config.server.hostname)
        } catch {
            printError("replyd: cannot start: \(error)")
            throw ExitCode(1)
        }
        switch config.storage.backend {
        case .sqlite:
            do {
                store = try SQLiteStore(path: databasePath)
            } catch {
                printError("replyd: cannot start: \(error)")
                throw ExitCode(1)
            }
        case .postgres:
            // Migrates under an advisory lock: nodes started together take turns.
            store = try await common.openPostgres(config, migrate: true)
        }

        // Before anything counts: swift-metrics hands out no-op counters until it is bootstrapped.
        let metrics = MetricsEndpoint.bootstrap(store: store)
        let directory = MailboxDirectory()
        let refreshDirectory: @Sendable () async throws -> Void = { try await directory.refresh { try await store.acceptedAddresses() } }
        do {
            try await refreshDirectory()
        } catch {
            printError("replyd: cannot read mailboxes: \(error)")
            throw ExitCode(1)
        }
        let pipeline = MessagePipeline(store: store, engine: config.replyEngine)
        let checkSender: (@Sendable (String, String, String) async -> SPFResult)?
        do {
            checkSender = try config.senderCheck()
        } catch {
            printError("replyd: cannot set up SPF checks: \(error)")
            throw ExitCode(1)
        }
        let smtp = SMTPServer(
            options: .init(
                host: config.smtp.listen.host, port: config.smtp.listen.port,
                settings: SMTPSession.Settings(
                    hostname: config.server.hostname,
                    maxMessageSize: config.smtp.maxMessageSize,
                    maxRecipients: config.smtp.maxRecipients,
                    maxErrors: config.smtp.maxErrors,
                    tlsAvailable: tls != nil,
                    requireTLS: config.smtp.requireTLS,
                    recipients: config.recipientPolicy,
                    maxJunkCommands: config.smtp.maxJunkCommands,
                    spoolThreshold: config.smtp.spoolThreshold),
                maxLineLength: config.smtp.maxLineLength,
                maxConnections: config.smtp.maxConnections,
                maxConnectionsPerIP: config.smtp.maxConnectionsPerIP,
                commandTimeout: config.smtp.commandTimeout,
                dataTimeout: config.smtp.dataTimeout,
                minDataRate: config.smtp.minDataRate,
                spoolDirectory: spoolDirectory,
                shutdownGrace: config.server.shutdownGrace,
                sslContext: tls?.context,
                directory: directory),
            store: pipeline, logger: logger, checkSender: checkSender)
        let worker: DeliveryWorker?
        let smsWorker: (DeliveryWorker, SMSSender)?
        do {
            worker = try config.deliveryWorker(queue: store, logger: logger)
            smsWorker = try config.smsWorker(queue: store, logger: logger)
        } catch {
            printError("replyd: cannot set up delivery: \(error)")
            throw ExitCode(1)
        }
        let mprofiPolling: (PeriodicService, ProviderHTTP)?
        do {
            let smsNudge = smsWorker?.0
            mprofiPolling = try config.mprofiPolling(
                pipeline: pipeline, stateFile: ((databasePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("mprofi-poll-since"),
                logger: logger, queued: { smsNudge?.nudge() })
        } catch {
            printError("replyd: cannot set up mProfi polling: \(error)")
            throw ExitCode(1)
        }
        let smtpAddress: SocketAddress
        do {
            smtpAddress = try await smtp.bind()
        } catch {
            printError("replyd: cannot listen for SMTP on \(config.smtp.listen): \(error)")
            throw ExitCode(1)
        }

        say("""
            replyd \(ReplydCommand.configuration.version) starting
              config:   \(file.displayName)
              database: \(store.location)\(config.storage.backend == .postgres ? " (PostgreSQL; spool and state files in \(common.dataDir))" : "")
              tls:      \(tls.map { "certificate \($0.certificatePath)" + ($0.developmentCA.map { ", development CA \($0) (trust it in test clients)" } ?? "") } ?? "disabled")
              domains:  \(config.mail.localDomains.joined(separator: ", "))\(config.mail.catchAll ? " (catch-all)" : " (listed mailboxes only)")
              replies:  \(config.replies.enabled ? "on" : "off (replies.enabled = false)")
              delivery: \(config.deliveryDescription)
              dkim:     \(config.dkimDescription)
              spf:      \(config.spfDescription)
              sms:      \(config.smsDescription)
              limits:   \(Self.describeLimits(config, descriptors: descriptors))
            replyd: smtp listening on \(Self.describe(smtpAddress))
            """)
        let firstDomain = config.mail.localDomains[0]
        let tokens = config.api.tokens.count
        let smsSender = smsWorker?.0
        let mailSender = worker
        let webhooks = SMSWebhooks(pipeline: pipeline, settings: config.sms, clock: { Date() }, queued: { smsSender?.nudge() })
        let started = Date()
        let httpAddress = Mutex<String>("?")
        let smtpText = Self.describe(smtpAddress)
        let api = AdminAPI(
            store: store, pipeline: pipeline, settings: config.adminAPISettings, clock: { Date() },
            addressesChanged: {
                do {
                    try await refreshDirectory()
                } catch {
                    logger.error("cannot re-read mailboxes after a change: \(error)")
                }
            },
            queued: {
                smsSender?.nudge()
                mailSender?.nudge()
            },
            identity: {
                ServerIdentity(version: ReplydCommand.configuration.version, smtp: smtpText, http: httpAddress.withLock { $0 },
                               startedAt: started)
            })
        let http = HTTPServer.make(host: config.http.listen.host, port: config.http.listen.port,
                                   limits: HTTPLimits(maxConnections: config.http.maxConnections, idleTimeout: config.http.idleTimeout,
                                                      requestTimeout: config.http.requestTimeout),
                                   logger: logger,
                                   sms: webhooks, api: api, metrics: metrics) { address in
            httpAddress.withLock { $0 = address.map(Self.describe) ?? "?" }
            say("replyd: http listening on \(address.map(Self.describe) ?? "?")")
            let web = "http://\(address.map(Self.describe) ?? "?")/"
            say("""
                replyd: ready.
                  web page: \(web)\(tokens == 0 ? "  (add an [[api.tokens]] entry to sign in; the API refuses every call without one)" : "  (sign in with a token from [[api.tokens]])")
                  try:      swaks --server \(Self.describe(smtpAddress)) --to someone@\(firstDomain), then `replyd log` or `replyd explain ID`
                  status:   `replyd status`; metrics at \(web)metrics
                """)
        }
        // Changes through the admin API reach SMTP at once; this picks up those of other processes.
        let rereadDirectory = PeriodicService(interval: .seconds(10), startImmediately: false) {
            do {
                try await refreshDirectory()
            } catch {
                logger.warning("cannot re-read mailboxes: \(error)")
            }
        }
        let days = config.storage.retentionDays
        let retention = PeriodicService(interval: .seconds(3600), startImmediately: true) {
            do {
                let result = try await store.pruneRaw(receivedBefore: Date().addingTimeInterval(-Double(days) * 86_400))
                if result.messages > 0 {
                    logger.info("retention: pruned raw content of \(result.messages) messages older than \(days) days")
                }
            } catch {
                logger.error("retention: cannot prune: \(error)")
            }
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: smtp), .init(service: http), .init(service: rereadDirectory)]
                + [worker, smsWorker?.0].compactMap { $0.map { .init(service: $0) } }
                + (mprofiPolling.map { [.init(service: $0.0)] } ?? [])
                + (days > 0 ? [.init(service: retention)] : []),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            printError("replyd: stopped: \(error)")
            try? await smsWorker?.1.shutdown()
            try? await mprofiPolling?.1.shutdown()
            try? store.close()
            throw ExitCode(1)
        }
        try? await smsWorker?.1.shutdown()
        try? await mprofiPolling?.1.shutdown()
        try store.close()
        say("replyd: stopped")
    }

    /// Connection caps against the descriptors they need: past `ulimit -n` accepts would fail.
    static func describeLimits(_ config: Configuration, descriptors: Int) -> String {
        let needed = config.smtp.maxConnections + config.http.maxConnections + DescriptorLimit.reserve
        let warning = needed > descriptors
            ? "  WARNING: the connection limits need about \(needed) descriptors; lower smtp/http max_connections or raise the hard limit"
            : ""
        return "smtp \(config.smtp.maxConnections) connections (\(config.smtp.maxConnectionsPerIP) per address), "
            + "http \(config.http.maxConnections), open files \(descriptors)\(warning)"
    }

    static func describe(_ address: SocketAddress) -> String {
        let host = address.ipAddress ?? "?"
        let port = address.port.map(String.init) ?? "?"
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
