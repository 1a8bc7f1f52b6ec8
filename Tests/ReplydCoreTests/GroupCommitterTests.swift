import ReplydCore
import Synchronization
import Testing

@Suite struct GroupCommitterTests {
    /// Counts the writes in flight; the first `parked` writes wait until `releaseAll` lets them go.
    final class Writes: Sendable {
        let parked: Int
        let inFlight = Mutex((now: 0, most: 0, batches: [[Int]]()))
        let gate = Mutex((held: [CheckedContinuation<Void, Never>](), total: 0))

        init(parked: Int) { self.parked = parked }

        func write(_ batch: [Int]) async -> [Int] {
            inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now); $0.batches.append(batch) }
            await withCheckedContinuation { continuation in
                let park = gate.withLock { gate in
                    guard gate.total < parked else { return false }
                    gate.total += 1
                    gate.held.append(continuation)
                    return true
                }
                if !park { continuation.resume() }
            }
            inFlight.withLock { $0.now -= 1 }
            return batch.map { $0 * 10 }
        }

        func waiting() -> Int { gate.withLock { $0.held.count } }

        func releaseAll() {
            // From now on nothing parks.
            let held = gate.withLock { gate in
                defer { gate.held.removeAll(); gate.total = parked }
                return gate.held
            }
            for continuation in held { continuation.resume() }
        }
    }

    /// Submits items one at a time, each after the previous write (if one started) is parked, so a
    /// new write can only start beside the parked ones if the committer has a free lane.
    func run(lanes: Int, items: Int, parked: Int) async throws -> Writes {
        let writes = Writes(parked: parked)
        let committer = GroupCommitter<Int, Int>(lanes: lanes) { await writes.write($0) }
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for item in 0..<items {
                group.addTask { (item, try await committer.submit(item)) }
                // Without a clock: yield until this item's write is parked, or (lanes all busy) it is queued.
                // (Bounded: a committer that ignored its lanes would fail the expectations, not hang.)
                for _ in 0..<100_000 where writes.waiting() < min(item + 1, parked) && writes.waiting() < lanes { await Task.yield() }
            }
            writes.releaseAll()
            for try await (item, result) in group { #expect(result == item * 10) }
        }
        return writes
    }

    @Test func oneLaneMeansOneWriteAtATime() async throws {
        let writes = try await run(lanes: 1, items: 20, parked: 3)
        #expect(writes.inFlight.withLock { $0.most } == 1)
        #expect(writes.inFlight.withLock { $0.batches.flatMap { $0 }.sorted() } == Array(0..<20))
    }

    @Test func severalLanesOverlapWrites() async throws {
        let writes = try await run(lanes: 3, items: 20, parked: 3)
        #expect(writes.inFlight.withLock { $0.most } == 3)
        #expect(writes.inFlight.withLock { $0.batches.flatMap { $0 }.sorted() } == Array(0..<20), "every item written once")
        #expect(writes.inFlight.withLock { $0.batches.count } < 20, "items that waited were batched")
    }
}
