import Dispatch
import Synchronization

/// The pipeline's transaction protocol is synchronous (SQLite's writer runs it on its own queue);
/// PostgreSQL's client is async. The store runs a pipeline transaction on one of its own writer
/// threads and blocks that thread, never one of Swift's cooperative pool, on each query.
enum Blocking {
    private final class Slot<T: Sendable>: Sendable {
        let result = Mutex<Result<T, any Error>?>(nil)
    }

    static func wait<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let slot = Slot<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            slot.result.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try slot.result.withLock { $0! }.get()
    }
}
