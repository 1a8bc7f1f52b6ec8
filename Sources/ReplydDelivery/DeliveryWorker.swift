import Foundation
import Logging
import ReplydCore
import ServiceLifecycle
import Synchronization

/// Takes due replies from the durable queue and hands them to the deliverer, with bounded
/// concurrency overall and per destination domain. An item is marked sent only after the far side's
/// 250 to DATA; if the process dies before that is recorded, the lease runs out and it is sent again
/// (at-least-once, as every MTA).
public final class DeliveryWorker: Service, Sendable {
    public struct Options: Sendable {
        public var concurrency: Int
        public var perDestination: Int
        public var lease: Duration
        public var pollInterval: Duration
        public var schedule: RetrySchedule

        public init(concurrency: Int, perDestination: Int, lease: Duration, pollInterval: Duration, schedule: RetrySchedule) {
            self.concurrency = concurrency
            self.perDestination = perDestination
            self.lease = lease
            self.pollInterval = pollInterval
            self.schedule = schedule
        }
    }

    private struct State {
        var inFlight = 0
        var perDomain: [String: Int] = [:]
        var stopping = false
    }

    private let queue: any OutboundQueue
    private let deliver: @Sendable (OutboundItem) async -> DeliveryOutcome
    private let options: Options
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let owner: String
    private let state = Mutex(State())

    public init(queue: any OutboundQueue, options: Options, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() },
                deliver: @escaping @Sendable (OutboundItem) async -> DeliveryOutcome) {
        self.queue = queue
        self.options = options
        self.logger = logger
        self.clock = clock
        self.deliver = deliver
        self.owner = "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)/\(UUID().uuidString.prefix(8))"
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !state.withLock({ $0.stopping }) {
                    let claimed = await claimBatch()
                    for item in claimed {
                        group.addTask { await self.handle(item) }
                    }
                    if claimed.isEmpty {
                        try? await Task.sleep(for: options.pollInterval)
                    } else {
                        await Task.yield()
                    }
                }
                // Leaving the group waits for deliveries in flight: each is bounded by its time-outs.
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopping = true }
        }
    }

    private func claimBatch() async -> [OutboundItem] {
        let free = state.withLock { options.concurrency - $0.inFlight }
        guard free > 0 else { return [] }
        let now = clock()
        do {
            guard let due = try await queue.nextDue(), due <= now else { return [] }
            let items = try await queue.claimDue(owner: owner, now: now, limit: free, lease: options.lease)
            var accepted: [OutboundItem] = []
            for item in items {
                let admitted = state.withLock { state -> Bool in
                    let domain = item.recipientDomain
                    guard state.perDomain[domain, default: 0] < options.perDestination else { return false }
                    state.perDomain[domain, default: 0] += 1
                    state.inFlight += 1
                    return true
                }
                if admitted {
                    accepted.append(item)
                } else {
                    try await queue.release(item.id, owner: owner)
                }
            }
            return accepted
        } catch {
            logger.error("cannot read the outbound queue: \(error)")
            return []
        }
    }

    private func handle(_ item: OutboundItem) async {
        let outcome = await deliver(item)
        let now = clock()
        let next = options.schedule.next(after: outcome, attempts: item.attempts + 1, queuedAt: item.createdAt, now: now)
        do {
            try await queue.complete(item, outcome: outcome, next: next, at: now)
        } catch {
            // The lease will run out and the item will be tried again: at-least-once.
            logger.error("cannot record delivery of \(item.id): \(error)")
        }
        switch outcome {
        case .delivered(let host, _, let tls):
            logger.info("delivered", metadata: ["id": "\(item.id)", "to": "\(item.recipient)", "host": "\(host)", "tls": "\(tls ?? "no")"])
        case .temporary(let host, let reason):
            logger.notice("deferred", metadata: ["id": "\(item.id)", "to": "\(item.recipient)", "host": "\(host ?? "-")", "reason": "\(reason)"])
        case .permanent(let host, let reason):
            logger.warning("failed", metadata: ["id": "\(item.id)", "to": "\(item.recipient)", "host": "\(host ?? "-")", "reason": "\(reason)"])
        }
        state.withLock { state in
            state.inFlight -= 1
            state.perDomain[item.recipientDomain, default: 1] -= 1
            if state.perDomain[item.recipientDomain] == 0 { state.perDomain[item.recipientDomain] = nil }
        }
    }
}
