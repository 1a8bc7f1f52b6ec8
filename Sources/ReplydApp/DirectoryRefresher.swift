import Logging
import ReplydSMTP
import ReplydStore
import ServiceLifecycle

/// Re-reads the accepted addresses now and then, so mailboxes and lists created by another process
/// (the command line beside a running server) are accepted without a restart. Changes made through
/// the admin API take effect at once without it.
struct DirectoryRefresher: Service {
    let store: SQLiteStore
    let directory: MailboxDirectory
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { return }
                do {
                    try await directory.refresh { try await store.acceptedAddresses() }
                } catch {
                    logger.warning("cannot re-read mailboxes: \(error)")
                }
            }
        }
    }
}
