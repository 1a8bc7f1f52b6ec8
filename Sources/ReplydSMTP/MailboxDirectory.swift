import Synchronization

/// Addresses accepted beyond the configuration's `mail.mailboxes` when catch-all is off (mailboxes
/// and aliases created through the admin API, mail list addresses). Replaced as a whole whenever the
/// store changes; each new SMTP session takes the set as it is then.
public final class MailboxDirectory: Sendable {
    private struct State {
        var addresses: Set<String> = []
        var issued: UInt64 = 0
        var applied: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Re-reads the addresses with `read` and installs them, unless a read that started later has
    /// already been installed: two refreshes racing (the periodic one and the one after an API
    /// change) can never put an older set back.
    public func refresh(_ read: () async throws -> Set<String>) async throws {
        let ticket = state.withLock { state -> UInt64 in
            state.issued += 1
            return state.issued
        }
        let addresses = Set(try await read().map { $0.lowercased() })
        state.withLock { state in
            guard ticket > state.applied else { return }
            state.applied = ticket
            state.addresses = addresses
        }
    }

    public var snapshot: Set<String> { state.withLock { $0.addresses } }
}
