import Foundation
import Logging
import ReplydStore
import ServiceLifecycle

/// Applies `storage.retention_days` at start and then every `interval`.
struct RetentionPruner: Service {
    let store: SQLiteStore
    let days: Int
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let cutoff = Date().addingTimeInterval(-Double(days) * 86_400)
                    let result = try await store.pruneRaw(receivedBefore: cutoff)
                    if result.messages > 0 {
                        logger.info("retention: pruned raw content of \(result.messages) messages older than \(days) days")
                    }
                } catch {
                    logger.error("retention: cannot prune: \(error)")
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
