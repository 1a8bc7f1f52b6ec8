import Foundation
import ReplydCore

/// A whole store as `serve` and the commands use it: the pipeline's transactions, the delivery
/// queue, the admin reads and writes, retention. SQLite (one node, the default) and PostgreSQL
/// (several nodes on one database) both implement it.
public protocol StoreBackend: AdminStore, PipelineStore, OutboundQueue {
    /// Removes the raw bytes of messages received before `cutoff`, in batches.
    func pruneRaw(receivedBefore cutoff: Date, batch: Int) async throws -> PruneResult
    /// Where it is, for the start-up banner and error messages (never with a password).
    var location: String { get }
    func close() throws
}

extension StoreBackend {
    public func pruneRaw(receivedBefore cutoff: Date) async throws -> PruneResult {
        try await pruneRaw(receivedBefore: cutoff, batch: 1000)
    }
}
