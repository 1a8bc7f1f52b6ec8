import Synchronization

/// Batches concurrent submissions into one write transaction (group commit), answering each
/// submitter only after the transaction that holds its item has committed.
///
/// `lanes` is how many transactions may be in flight at once: 1 for a store with one writer
/// (SQLite), more for one that runs concurrent transactions (PostgreSQL), where a batch waiting on
/// round trips to the server need not hold up the next one.
///
/// If a batch fails, its items are retried one by one, so a single bad item fails alone and the
/// others are still committed: no caller is told "stored" for something that was rolled back, and no
/// caller is failed because of someone else's item.
public final class GroupCommitter<Item: Sendable, Result: Sendable>: Sendable {
    public typealias Write = @Sendable ([Item]) async throws -> [Result]

    private struct Pending: Sendable {
        var items: [(Item, CheckedContinuation<Result, any Error>)] = []
        var draining = 0
    }

    private let write: Write
    private let lanes: Int
    private let pending = Mutex(Pending())

    public init(lanes: Int = 1, write: @escaping Write) {
        self.write = write
        self.lanes = max(1, lanes)
    }

    public func submit(_ item: Item) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let lanes = self.lanes
            let startDrain = pending.withLock { state in
                state.items.append((item, continuation))
                if state.draining >= lanes { return false }
                state.draining += 1
                return true
            }
            if startDrain {
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while true {
            let batch = pending.withLock { state in
                let batch = state.items
                state.items = []
                if batch.isEmpty { state.draining -= 1 }
                return batch
            }
            if batch.isEmpty { return }
            await commit(batch)
        }
    }

    private func commit(_ batch: [(Item, CheckedContinuation<Result, any Error>)]) async {
        do {
            let results = try await write(batch.map(\.0))
            for (index, entry) in batch.enumerated() { entry.1.resume(returning: results[index]) }
        } catch {
            if batch.count == 1 {
                batch[0].1.resume(throwing: error)
                return
            }
            for entry in batch {
                do {
                    let result = try await write([entry.0])
                    entry.1.resume(returning: result[0])
                } catch {
                    entry.1.resume(throwing: error)
                }
            }
        }
    }
}
