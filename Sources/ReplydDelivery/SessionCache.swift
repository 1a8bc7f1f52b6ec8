import NIOCore
import Synchronization

/// An SMTP session that has been greeted, has said EHLO, and is as secure and authenticated as the
/// route asks: ready for the next MAIL.
struct ClientSession: Sendable {
    let connection: SMTPClientConnection
    let extensions: [String: String]
    let tlsVersion: String?
    let opened: ContinuousClock.Instant
    /// Transactions completed on it so far.
    var transactions = 0
}

/// Sessions kept open after a delivery for the next message to the same server, as Postfix's
/// connection cache does: a company's replies mostly go to one relay or a few big mail hosts, and
/// a new connection costs a TCP and a TLS handshake, a greeting and two EHLOs. A session waits at
/// most `idleTime` (then it is closed politely with QUIT) and is reused for at most `reuseTime`
/// after it was opened, so one slow server cannot pin a connection forever.
final class SessionCache: Sendable {
    /// Sessions are interchangeable only to the same address, port and TLS identity, as the same user.
    struct Key: Hashable, Sendable {
        var host: String
        var port: Int
        var tls: DeliveryRoute.TLSMode
        var tlsName: String
        var username: String?
    }

    private struct Entry {
        var id: ObjectIdentifier
        var session: ClientSession
    }

    let idleTime: Duration
    let reuseTime: Duration
    let maxIdlePerKey: Int
    private let idle = Mutex<[Key: [Entry]]>([:])

    init(idleTime: Duration, reuseTime: Duration, maxIdlePerKey: Int) {
        self.idleTime = idleTime
        self.reuseTime = reuseTime
        self.maxIdlePerKey = maxIdlePerKey
    }

    var enabled: Bool { idleTime > .zero && maxIdlePerKey > 0 }

    /// The most recently used idle session to `key`, taken out of the cache.
    func take(_ key: Key) -> ClientSession? {
        idle.withLock { idle in idle[key]?.popLast()?.session }
    }

    /// Whether a session that has just finished a transaction may wait for another.
    func admits(_ session: ClientSession, now: ContinuousClock.Instant = .now) -> Bool {
        enabled && now - session.opened < reuseTime
    }

    /// Keeps `session` for the next message to `key`; closes it instead when the cache is full.
    func put(_ session: ClientSession, for key: Key) {
        let channel = session.connection.channel
        let id = ObjectIdentifier(channel)
        let kept = idle.withLock { idle in
            guard idle[key, default: []].count < maxIdlePerKey else { return false }
            idle[key, default: []].append(Entry(id: id, session: session))
            return true
        }
        guard kept else { return Self.quit(session.connection) }
        // A server that hangs up while the session waits takes it out at once; one that does not
        // is left after `idleTime`.
        channel.closeFuture.whenComplete { [weak self] _ in _ = self?.remove(id, key: key) }
        channel.eventLoop.scheduleTask(in: TimeAmount(idleTime)) { [weak self] in
            if let session = self?.remove(id, key: key) { Self.quit(session.connection) }
        }
    }

    /// Closes every idle session (shutdown).
    func closeAll() {
        let all = idle.withLock { idle in
            defer { idle = [:] }
            return idle.values.flatMap { $0.map(\.session) }
        }
        for session in all { session.connection.channel.close(promise: nil) }
    }

    var count: Int { idle.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    private func remove(_ id: ObjectIdentifier, key: Key) -> ClientSession? {
        idle.withLock { idle in
            guard let index = idle[key]?.firstIndex(where: { $0.id == id }) else { return nil }
            return idle[key]?.remove(at: index).session
        }
    }

    /// QUIT is a courtesy: its answer changes nothing, and the close follows either way.
    static func quit(_ connection: SMTPClientConnection) {
        Task {
            _ = try? await connection.command("QUIT", timeout: .seconds(5))
            await connection.close()
        }
    }
}
