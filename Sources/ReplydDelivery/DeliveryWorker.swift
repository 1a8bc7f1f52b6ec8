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
        public var channel: OutboundChannel
        public var concurrency: Int
        public var perDestination: Int
        public var lease: Duration
        public var pollInterval: Duration
        public var schedule: RetrySchedule
        /// At shutdown, deliveries in flight get this long before `abort` cuts them short.
        public var shutdownGrace: Duration

        public init(channel: OutboundChannel = .email, concurrency: Int, perDestination: Int, lease: Duration, pollInterval: Duration, schedule: RetrySchedule,
                    shutdownGrace: Duration) {
            self.channel = channel
            self.concurrency = concurrency
            self.perDestination = perDestination
            self.lease = lease
            self.pollInterval = pollInterval
            self.schedule = schedule
            self.shutdownGrace = shutdownGrace
        }
    }

    private struct State {
        var inFlight = 0
        var deliveringIDs: Set<Int64> = []
        var perDomain: [String: Int] = [:]
        var stopping = false
    }

    private let queue: any OutboundQueue
    private let deliver: @Sendable (OutboundItem) async -> DeliveryOutcome
    private let abort: @Sendable () -> Void
    private let options: Options
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let owner: String
    private let state = Mutex(State())
    private let wake = WakeSignal()

    public init(queue: any OutboundQueue, options: Options, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() },
                deliver: @escaping @Sendable (OutboundItem) async -> DeliveryOutcome, abort: @escaping @Sendable () -> Void = {}) {
        self.abort = abort
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
                group.addTask { await self.renewLeases() }
                while !state.withLock({ $0.stopping }) {
                    let claimed = await claimBatch()
                    for item in claimed {
                        group.addTask { await self.handle(item) }
                    }
                    if claimed.isEmpty {
                        // Until the next poll, or sooner when a delivery finishes and frees a slot.
                        await wake.wait(upTo: options.pollInterval)
                    } else {
                        await Task.yield()
                    }
                }
                wake.signal()
                // Leaving the group waits for deliveries in flight (cut short after the grace period).
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopping = true }
            // Bounded: whatever is still talking to a server after the grace period is cut off;
            // those items stay queued and go out after the restart.
            let grace = self.options.shutdownGrace
            let abort = self.abort
            Task {
                try? await Task.sleep(for: grace)
                abort()
            }
        }
    }

    /// Something was queued that may be due now: look at once instead of at the next poll.
    public func nudge() {
        wake.signal()
    }

    private func claimBatch() async -> [OutboundItem] {
        let free = state.withLock { options.concurrency - $0.inFlight }
        guard free > 0 else { return [] }
        let now = clock()
        do {
            guard let due = try await queue.nextDue(channel: options.channel), due <= now else { return [] }
            let items = try await queue.claimDue(channel: options.channel, owner: owner, now: now, limit: free, lease: options.lease)
            var accepted: [OutboundItem] = []
            for item in items {
                let admitted = state.withLock { state -> Bool in
                    let domain = self.destination(of: item)
                    guard state.perDomain[domain, default: 0] < options.perDestination else { return false }
                    state.perDomain[domain, default: 0] += 1
                    state.inFlight += 1
                    return true
                }
                if admitted {
                    if item.resumed {
                        logger.warning("resuming an interrupted delivery: the recipient may get it twice",
                                       metadata: ["id": "\(item.id)", "to": "\(item.recipient)"])
                    }
                    state.withLock { _ = $0.deliveringIDs.insert(item.id) }
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

    /// What `perDestination` limits: the recipient's mail domain (one mail server), or for SMS the
    /// number itself, so that with a limit of 1 a customer's texts leave in the order they were queued.
    private func destination(of item: OutboundItem) -> String {
        options.channel == .sms ? item.recipient : item.recipientDomain
    }

    private func handle(_ item: OutboundItem) async {
        let outcome = await deliver(item)
        let now = clock()
        let next = item.keepingQuietHours(options.schedule.next(after: outcome, attempts: item.attempts + 1, queuedAt: item.createdAt,
                                                                now: now))
        do {
            try await queue.complete(item, outcome: outcome, next: next, at: now)
        } catch {
            // The lease will run out and the item will be tried again: at-least-once.
            logger.error("cannot record delivery of \(item.id): \(error)")
        }
        DeliveryMetrics.finished(channel: options.channel, next: next)
        switch outcome {
        case .delivered(let host, _, _, let tls):
            logger.info("delivered", metadata: ["id": "\(item.id)", "to": "\(item.recipient)", "host": "\(host)", "tls": "\(tls ?? "no")"])
        case .temporary(let host, let reason):
            logger.notice("deferred", metadata: ["id": "\(item.id)", "to": "\(item.recipient)", "host": "\(host ?? "-")", "reason": "\(reason)"])
        case .permanent(let host, let reason):
            logger.warning("failed", metadata: ["id": "\(item.id)", "to": "\(item.recipient)", "host": "\(host ?? "-")", "reason": "\(reason)"])
        }
        state.withLock { state in
            state.inFlight -= 1
            state.deliveringIDs.remove(item.id)
            let destination = destination(of: item)
            state.perDomain[destination, default: 1] -= 1
            if state.perDomain[destination] == 0 { state.perDomain[destination] = nil }
        }
        wake.signal()
    }

    /// Keeps the leases of deliveries in progress alive: renewed at a third of their length, so a
    /// slow server never makes an item look abandoned while this process is still sending it.
    private func renewLeases() async {
        let interval = options.lease / 3
        var lastRenewal = ContinuousClock.now
        while true {
            // Short naps, so shutdown is never held up by a long lease, ending when the renewal is due
            // (naps of a fixed length would renew only on their multiples: a 2 s lease every 1 s, not 667 ms).
            let untilDue = interval - (ContinuousClock.now - lastRenewal)
            try? await Task.sleep(for: max(.milliseconds(1), min(untilDue, .milliseconds(500))))
            let (ids, stopping) = state.withLock { (Array($0.deliveringIDs), $0.stopping) }
            if stopping && ids.isEmpty { return }
            guard ContinuousClock.now - lastRenewal >= interval else { continue }
            lastRenewal = ContinuousClock.now
            do {
                try await queue.renew(ids, owner: owner, until: clock().addingTimeInterval(options.lease.timeInterval))
            } catch {
                logger.error("cannot renew delivery leases: \(error)")
            }
        }
    }
}

/// Wakes the worker loop early (a delivery finished, shutdown began) instead of waiting out its poll.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns on `signal()` (also one that came before) or after `duration`.
    func wait(upTo duration: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let generation = state.withLock { state -> Int? in
                if state.pending {
                    state.pending = false
                    return nil
                }
                state.generation += 1
                state.waiter = continuation
                return state.generation
            }
            guard let generation else {
                continuation.resume()
                return
            }
            Task {
                try? await Task.sleep(for: duration)
                let expired = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard state.generation == generation, let waiter = state.waiter else { return nil }
                    state.waiter = nil
                    return waiter
                }
                expired?.resume()
            }
        }
    }
}
