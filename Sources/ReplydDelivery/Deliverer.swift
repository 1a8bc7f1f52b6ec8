import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ReplydCore
import ReplydDNS
import Synchronization

/// Where replies go and how carefully.
public struct DeliveryRoute: Sendable {
    public enum TLSMode: String, Sendable {
        /// TLS from the first byte (port 465).
        case implicit
        /// STARTTLS; without it the message is not sent.
        case required
        /// STARTTLS when offered (certificate not verified, as Postfix's "may"); clear text otherwise.
        case opportunistic
        case none
    }

    public enum Mode: Sendable {
        case relay(host: String, port: Int, tls: TLSMode, username: String?, password: String?)
        case mx(port: Int, tls: TLSMode, resolver: DNSResolver)
    }

    public var mode: Mode
    public var heloName: String
    /// Trust for verified TLS: a PEM CA file, or nil for the system's roots.
    public var caFile: String?
    public var connectTimeout: TimeAmount
    public var commandTimeout: TimeAmount
    public var dataTimeout: TimeAmount
    /// How long a session may wait for the next message to the same server; zero turns reuse off.
    public var connectionCacheTime: Duration
    /// How long after it was opened a session may still be reused.
    public var connectionReuseTime: Duration
    /// Idle sessions kept per server.
    public var maxCachedSessions: Int

    public init(mode: Mode, heloName: String, caFile: String?, connectTimeout: TimeAmount,
                commandTimeout: TimeAmount, dataTimeout: TimeAmount, connectionCacheTime: Duration = .seconds(2),
                connectionReuseTime: Duration = .seconds(300), maxCachedSessions: Int = 16) {
        self.connectionCacheTime = connectionCacheTime
        self.connectionReuseTime = connectionReuseTime
        self.maxCachedSessions = maxCachedSessions
        self.mode = mode
        self.heloName = heloName
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.dataTimeout = dataTimeout
    }
}

/// Hands one message to the next mail server: the SMTP client conversation (RFC 5321, STARTTLS
/// RFC 3207, PIPELINING RFC 2920, SIZE, 8BITMIME, AUTH PLAIN/LOGIN only over TLS).
public struct Deliverer: Sendable {
    let route: DeliveryRoute
    let verifiedTLS: NIOSSLContext
    let unverifiedTLS: NIOSSLContext
    let group: any EventLoopGroup
    let logger: Logger
    private let open = OpenConnections()
    let sessions: SessionCache

    public init(route: DeliveryRoute, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) throws {
        self.route = route
        self.group = group
        self.logger = logger
        self.sessions = SessionCache(idleTime: route.connectionCacheTime, reuseTime: route.connectionReuseTime,
                                     maxIdlePerKey: route.maxCachedSessions)
        var verified = TLSConfiguration.makeClientConfiguration()
        verified.minimumTLSVersion = .tlsv12
        verified.certificateVerification = .fullVerification
        if let caFile = route.caFile { verified.trustRoots = .file(caFile) }
        self.verifiedTLS = try NIOSSLContext(configuration: verified)
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        self.unverifiedTLS = try NIOSSLContext(configuration: unverified)
    }

    public func deliver(_ item: OutboundItem) async -> DeliveryOutcome {
        switch route.mode {
        case .relay(let host, let port, let tls, let username, let password):
            return await attempt(item, host: host, port: port, tls: tls, credentials: username.map { ($0, password ?? "") })
        case .mx(let port, let tls, let resolver):
            let domain = item.recipientDomain
            let hosts: [(String, String)]
            do {
                hosts = try await resolver.mailHosts(for: domain)
            } catch let error as DNSResolver.Failure {
                if case .noSuchDomain = error { return .permanent(host: nil, reason: "550 5.1.2 no such domain: \(domain)") }
                return .temporary(host: nil, reason: "DNS: \(error)")
            } catch {
                return .temporary(host: nil, reason: "DNS: \(error)")
            }
            if hosts.isEmpty { return .permanent(host: nil, reason: "556 5.1.10 \(domain) accepts no mail (null MX)") }
            var last: DeliveryOutcome = .temporary(host: nil, reason: "no mail host reachable for \(domain)")
            // RFC 5321 5.1: try the hosts in preference order until one gives a definite answer.
            for (name, address) in hosts {
                let outcome = await attempt(item, host: address, port: port, tls: tls, credentials: nil, tlsName: name)
                switch outcome {
                case .delivered, .permanent: return outcome
                case .temporary: last = outcome
                }
            }
            return last
        }
    }

    func attempt(_ item: OutboundItem, host: String, port: Int, tls: DeliveryRoute.TLSMode,
                 credentials: (String, String)?, tlsName: String? = nil) async -> DeliveryOutcome {
        let label = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let name = tlsName ?? host
        let key = SessionCache.Key(host: host, port: port, tls: tls, tlsName: name, username: credentials?.0)
        // A cached session first. One the server gave up on meanwhile fails before anything of this
        // message was accepted, and the message then goes over a new connection.
        while let cached = sessions.take(key) {
            guard await cached.connection.isReady() else {
                await cached.connection.close()
                continue
            }
            if let outcome = await deliver(item, over: cached, key: key, label: label, reused: true) { return outcome }
        }
        let connection: SMTPClientConnection
        do {
            connection = try await SMTPClientConnection.connect(
                host: host, port: port, implicitTLS: tls == .implicit ? (verifiedTLS, name) : nil,
                timeout: route.connectTimeout, group: group)
        } catch {
            return .temporary(host: label, reason: "connect: \(error)")
        }
        let setup: SessionSetup
        do {
            open.add(connection.channel)
            defer { open.remove(connection.channel) }
            setup = try await openSession(connection, label: label, tls: tls, credentials: credentials, tlsName: name)
        } catch {
            await connection.close()
            return .temporary(host: label, reason: "\(error)")
        }
        switch setup {
        case .refused(let outcome):
            SessionCache.quit(connection)
            return outcome
        case .ready(let session):
            return await deliver(item, over: session, key: key, label: label, reused: false)
                ?? .temporary(host: label, reason: "connection closed by the server")
        }
    }

    /// One transaction over `session`, which is then cached for the next message or closed. Nil
    /// when a reused session turned out to be gone before this message was accepted in any part.
    private func deliver(_ item: OutboundItem, over session: ClientSession, key: SessionCache.Key, label: String,
                         reused: Bool) async -> DeliveryOutcome? {
        var session = session
        let channel = session.connection.channel
        open.add(channel)
        defer { open.remove(channel) }
        let result: Transaction
        do {
            result = try await transaction(item, over: session, label: label, reused: reused)
        } catch is StaleSession {
            await session.connection.close()
            return nil
        } catch {
            await session.connection.close()
            return .temporary(host: label, reason: "\(error)")
        }
        session.transactions += 1
        guard sessions.admits(session) else {
            SessionCache.quit(session.connection)
            return result.outcome
        }
        if result.needsReset {
            // A refused transaction may have left state behind (a non-pipelining server after a
            // refused RCPT): RSET before the next, or give the session up.
            guard let reply = try? await session.connection.command("RSET", timeout: route.commandTimeout), reply.code == 250 else {
                await session.connection.close()
                return result.outcome
            }
        }
        sessions.put(session, for: key)
        return result.outcome
    }

    /// Closes every connection in progress (shutdown after the grace period): the attempts end as
    /// temporary failures and their items stay queued. Idle cached sessions are closed too.
    public func abortAll() {
        open.closeAll()
        sessions.closeAll()
    }

    /// A reply that ends the attempt: 5xx is permanent, anything else unexpected is temporary.
    static func failure(_ reply: SMTPReply, step: String, host: String) -> DeliveryOutcome {
        let text = "\(reply.code)\(reply.enhanced.map { " \($0)" } ?? "") \(reply.lines.joined(separator: " ")) (after \(step))"
        return reply.code >= 500 ? .permanent(host: host, reason: text) : .temporary(host: host, reason: text)
    }

    enum SessionSetup {
        case ready(ClientSession)
        /// The server refused something before a transaction could start.
        case refused(DeliveryOutcome)
    }

    /// Greeting, EHLO (HELO), STARTTLS and AUTH as the route asks.
    private func openSession(_ connection: SMTPClientConnection, label: String, tls: DeliveryRoute.TLSMode,
                             credentials: (String, String)?, tlsName: String) async throws -> SessionSetup {
        let timeout = route.commandTimeout
        let greeting = try await connection.reply(step: "greeting", timeout: timeout)
        guard greeting.code == 220 else { return .refused(Self.failure(greeting, step: "greeting", host: label)) }

        var ehlo = try await connection.command("EHLO \(route.heloName)", timeout: timeout)
        var extensions: [String: String] = [:]
        if ehlo.code == 250 {
            extensions = SMTPClientCodec.extensions(of: ehlo)
        } else {
            let helo = try await connection.command("HELO \(route.heloName)", timeout: timeout)
            guard helo.code == 250 else { return .refused(Self.failure(helo, step: "HELO", host: label)) }
        }

        var tlsVersion: String? = tls == .implicit ? await connection.tlsVersion : nil
        if tls == .required || tls == .opportunistic {
            if extensions["STARTTLS"] != nil {
                let reply = try await connection.command("STARTTLS", timeout: timeout)
                if reply.code == 220 {
                    let context = tls == .required ? verifiedTLS : unverifiedTLS
                    tlsVersion = try await connection.startTLS(context: context, serverName: tlsName, timeout: timeout)
                    ehlo = try await connection.command("EHLO \(route.heloName)", timeout: timeout)
                    guard ehlo.code == 250 else { return .refused(Self.failure(ehlo, step: "EHLO after STARTTLS", host: label)) }
                    extensions = SMTPClientCodec.extensions(of: ehlo)
                } else if tls == .required {
                    return .refused(.temporary(host: label, reason: "STARTTLS refused (\(reply.code)) and TLS is required"))
                }
            } else if tls == .required {
                return .refused(.temporary(host: label, reason: "server does not offer STARTTLS and TLS is required; not sent in clear text"))
            }
        }

        if let (username, password) = credentials {
            guard tlsVersion != nil else {
                return .refused(.temporary(host: label, reason: "refusing to send credentials without TLS"))
            }
            let mechanisms = Set((extensions["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
            let reply: SMTPReply
            if mechanisms.contains("PLAIN") || !mechanisms.contains("LOGIN") {
                let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
                reply = try await connection.command("AUTH PLAIN \(token)", step: "AUTH", timeout: timeout)
            } else {
                var step = try await connection.command("AUTH LOGIN", step: "AUTH", timeout: timeout)
                if step.code == 334 { step = try await connection.command(Data(username.utf8).base64EncodedString(), step: "AUTH user", timeout: timeout) }
                if step.code == 334 { step = try await connection.command(Data(password.utf8).base64EncodedString(), step: "AUTH password", timeout: timeout) }
                reply = step
            }
            guard reply.code == 235 else { return .refused(Self.failure(reply, step: "AUTH", host: label)) }
        }
        return .ready(ClientSession(connection: connection, extensions: extensions, tlsVersion: tlsVersion, opened: .now))
    }

    struct Transaction {
        var outcome: DeliveryOutcome
        /// The server refused part of it: RSET before the session is used again.
        var needsReset: Bool
    }

    /// A reused session the server closed (or is closing, 421) before it answered this message's
    /// MAIL: nothing of the message was accepted.
    struct StaleSession: Error {}

    /// MAIL, RCPT, DATA and the message (pipelined when the server offers it).
    private func transaction(_ item: OutboundItem, over session: ClientSession, label: String, reused: Bool) async throws -> Transaction {
        let connection = session.connection
        let extensions = session.extensions
        let timeout = route.commandTimeout
        func refused(_ reply: SMTPReply, _ step: String) -> Transaction {
            Transaction(outcome: Self.failure(reply, step: step, host: label), needsReset: true)
        }
        let payload = SMTPClientCodec.dataPayload(item.data)
        if let limit = extensions["SIZE"].flatMap({ Int($0) }), limit > 0, item.data.count > limit {
            return Transaction(outcome: .permanent(host: label, reason: "552 5.3.4 message of \(item.data.count) octets is over the server's SIZE \(limit)"),
                               needsReset: false)
        }
        var mail = "MAIL FROM:<\(item.envelopeSender)>"
        if extensions["SIZE"] != nil { mail += " SIZE=\(item.data.count)" }
        if extensions["8BITMIME"] != nil && item.data.contains(where: { $0 >= 0x80 }) { mail += " BODY=8BITMIME" }
        // RFC 6531: a non-ASCII address may only travel to a server that offers SMTPUTF8.
        if !(item.envelopeSender + item.recipient).unicodeScalars.allSatisfy(\.isASCII) {
            guard extensions["SMTPUTF8"] != nil else {
                return Transaction(outcome: .permanent(host: label, reason: "553 5.6.7 \(item.recipient) needs SMTPUTF8, which the server does not offer"),
                                   needsReset: false)
            }
            mail += " SMTPUTF8"
        }
        let rcpt = "RCPT TO:<\(item.recipient)>"
        let pipelining = extensions["PIPELINING"] != nil

        // The first reply tells whether a reused session is still there.
        let mailReply: SMTPReply
        do {
            // RFC 2920: MAIL, RCPT and DATA in one write, replies read in order.
            try await connection.send(Array((pipelining ? "\(mail)\r\n\(rcpt)\r\nDATA\r\n" : "\(mail)\r\n").utf8))
            mailReply = try await connection.reply(step: "MAIL", timeout: timeout)
        } catch where reused {
            throw StaleSession()
        }
        if reused && mailReply.code == 421 { throw StaleSession() }

        let rcptReply: SMTPReply
        let dataReply: SMTPReply
        if pipelining {
            rcptReply = try await connection.reply(step: "RCPT", timeout: timeout)
            dataReply = try await connection.reply(step: "DATA", timeout: timeout)
        } else {
            guard mailReply.code == 250 else { return refused(mailReply, "MAIL") }
            rcptReply = try await connection.command(rcpt, timeout: timeout)
            guard rcptReply.code == 250 || rcptReply.code == 251 else { return refused(rcptReply, "RCPT") }
            dataReply = try await connection.command("DATA", timeout: timeout)
        }
        guard mailReply.code == 250 else { return refused(mailReply, "MAIL") }
        guard rcptReply.code == 250 || rcptReply.code == 251 else { return refused(rcptReply, "RCPT") }
        guard dataReply.code == 354 else { return refused(dataReply, "DATA") }

        try await connection.send(payload)
        let final = try await connection.reply(step: "end of data", timeout: route.dataTimeout)
        // After the reply to the end of data the transaction is over either way (RFC 5321 4.1.1.4).
        guard final.code == 250 else { return Transaction(outcome: Self.failure(final, step: "end of data", host: label), needsReset: false) }
        return Transaction(outcome: .delivered(host: label, code: final.code, detail: final.lines.joined(separator: " "),
                                               tlsVersion: session.tlsVersion),
                           needsReset: false)
    }
}

/// The connections of attempts in progress, so shutdown can cut them short.
final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) { channels.withLock { $0[ObjectIdentifier(channel)] = channel } }
    func remove(_ channel: any Channel) { _ = channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } }
    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}
