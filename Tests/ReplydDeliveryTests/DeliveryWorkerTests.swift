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
}
