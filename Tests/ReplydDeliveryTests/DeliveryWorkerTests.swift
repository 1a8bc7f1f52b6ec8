import Foundation
import Logging
import ReplydCore
import ReplydPipeline
import ReplydStore
import ReplydTesting
import ServiceLifecycle
import Synchronization
import Testing
@testable import ReplydDelivery

/// The queue worker over a real SQLite queue, with a stand-in for the far side.
@Suite struct DeliveryWorkerTests {
    final class Far: Sendable {
        struct State {
            var inFlight: [String: Int] = [:]
            var most: [String: Int] = [:]
            var attempts: [String: Int] = [:]
        }
        let state = Mutex(State())
    }

    func enqueue(_ recipients: [String], into store: SQLiteStore, at now: Date) async throws {
        for recipient in recipients {
            _ = try await store.transaction { tx in
                try tx.enqueue(OutboundMessage(channel: .email, origin: .vacation(mailbox: "jan@firma.pl"), envelopeFrom: "",
                                               recipient: recipient, subject: "Auto", data: Array("m".utf8), text: "m", createdAt: now))
            }
        }
    }

    @Test func everyItemIsSentOnceWithinThePerDestinationLimitAndAFailureIsRetried() async throws {
        let scratch = try ScratchDirectory("replyd-worker")
        let store = try SQLiteStore(path: scratch.path("q.sqlite"))
        let recipients = (0..<6).map { "r\($0)@\($0 % 2 == 0 ? "a" : "b").test" }
        try await enqueue(recipients, into: store, at: Date())
        let far = Far()
        let worker = DeliveryWorker(
            queue: store,
            options: .init(concurrency: 4, perDestination: 1, lease: .seconds(30), pollInterval: .milliseconds(20),
                           schedule: RetrySchedule(firstRetry: .milliseconds(50)), shutdownGrace: .seconds(1)),
            logger: Logger(label: "test")) { item in
                let domain = item.recipientDomain
                let first = far.state.withLock { state -> Bool in
                    state.inFlight[domain, default: 0] += 1
                    state.most[domain] = max(state.most[domain, default: 0], state.inFlight[domain]!)
                    state.attempts[item.recipient, default: 0] += 1
                    return state.attempts[item.recipient] == 1
                }
                try? await Task.sleep(for: .milliseconds(10))
                far.state.withLock { $0.inFlight[domain]! -= 1 }
                // r0 is refused once, as a greylisting server would.
                if item.recipient == "r0@a.test" && first { return .temporary(host: "mx", reason: "451 4.7.1 try later") }
                return .delivered(host: "mx", code: 250, detail: "ok", tlsVersion: nil)
            }
        let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for _ in 0..<500 {
                if try await store.queuePage(status: "sent", limit: 10, offset: 0).total == recipients.count { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await store.queuePage(status: "sent", limit: 10, offset: 0).total == recipients.count)
        let state = far.state.withLock { $0 }
        #expect(state.most.values.allSatisfy { $0 == 1 }, "\(state.most)")
        #expect(state.attempts == Dictionary(uniqueKeysWithValues: recipients.map { ($0, $0 == "r0@a.test" ? 2 : 1) }))
        let retried = try #require(try await store.queueEntries(includeSent: true, limit: 10).first { $0.recipient == "r0@a.test" })
        #expect(retried.attempts == 2)
        #expect(try await store.attempts(outbound: retried.id).map(\.outcome) == ["temporary", "delivered"])
    }

    /// Runs `worker` until `done` holds (or 10 s), then shuts it down as `serve` does.
    func run(_ worker: DeliveryWorker, until done: @escaping @Sendable () -> Bool) async throws {
        let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for _ in 0..<500 where !done() { try await Task.sleep(for: .milliseconds(20)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func options(concurrency: Int = 4, perDestination: Int = 4, lease: Duration = .seconds(30)) -> DeliveryWorker.Options {
        .init(concurrency: concurrency, perDestination: perDestination, lease: lease, pollInterval: .milliseconds(20),
              schedule: RetrySchedule(firstRetry: .seconds(60)), shutdownGrace: .seconds(1))
    }

    @Test func aTemporaryFailureIsDueAgainAfterTheFirstRetryByTheWorkersClock() async throws {
        let queue = MemoryOutboundQueue()
        let now = TestMessages.now
        let id = queue.add(recipient: "ewa@klient.pl", due: now)
        let worker = DeliveryWorker(queue: queue, options: options(), logger: Logger(label: "test"), clock: { now }) { _ in
            .temporary(host: "mx", reason: "451 4.7.1 greylisted")
        }
        try await run(worker) { queue.entry(id)?.item.attempts == 1 }
        let entry = try #require(queue.entry(id))
        #expect(entry.status == "queued" && entry.leaseOwner == nil && entry.item.attempts == 1)
        #expect(entry.dueAt == now.addingTimeInterval(60))
        #expect(entry.completions.map(\.1) == [.retry(at: now.addingTimeInterval(60))])
    }

    @Test func aSlowDeliveryKeepsItsLeaseAndIsNotHandedOutTwice() async throws {
        // The worker's clock is the test's: it moves on only after a renewal has been recorded, so the
        // delivery outlasts its lease several times over without the test depending on scheduling.
        // Were renewals missing, the wait gives up, the clock passes the lease, and the item is claimed twice.
        let start = Date()
        let now = Mutex(start)
        let queue = MemoryOutboundQueue()
        let id = queue.add(recipient: "ewa@klient.pl", due: start)
        let calls = Mutex(0)
        let worker = DeliveryWorker(queue: queue, options: options(lease: .milliseconds(300)), logger: Logger(label: "test"),
                                    clock: { now.withLock { $0 } }) { _ in
            calls.withLock { $0 += 1 }
            for _ in 0..<4 {
                let seen = queue.renewals.withLock { $0.count }
                for _ in 0..<250 where queue.renewals.withLock({ $0.count }) == seen {
                    try? await Task.sleep(for: .milliseconds(20))
                }
                now.withLock { $0 = $0.addingTimeInterval(0.2) }
                try? await Task.sleep(for: .milliseconds(30))
            }
            return .delivered(host: "mx", code: 250, detail: "ok", tlsVersion: nil)
        }
        try await run(worker) { queue.entry(id)?.status == "sent" }
        #expect(queue.entry(id)?.status == "sent")
        #expect(calls.withLock { $0 } == 1)
        #expect(queue.renewals.withLock { $0 }.filter { $0.0 == [id] }.count >= 4)
    }

    @Test func anItemForABusyDestinationIsGivenBackAndSentAfterwards() async throws {
        let queue = MemoryOutboundQueue()
        let now = Date()
        let first = queue.add(recipient: "a@klient.pl", due: now)
        let second = queue.add(recipient: "b@klient.pl", due: now)
        let order = Mutex<[String]>([])
        let worker = DeliveryWorker(queue: queue, options: options(perDestination: 1), logger: Logger(label: "test")) { item in
            order.withLock { $0.append(item.recipient) }
            try? await Task.sleep(for: .milliseconds(200))
            return .delivered(host: "mx", code: 250, detail: "ok", tlsVersion: nil)
        }
        try await run(worker) { queue.all.allSatisfy { $0.status == "sent" } }
        #expect(queue.entry(first)?.status == "sent" && queue.entry(second)?.status == "sent")
        #expect(order.withLock { $0 } == ["a@klient.pl", "b@klient.pl"])
        #expect(queue.released.withLock { $0 }.contains(second))
    }
}
