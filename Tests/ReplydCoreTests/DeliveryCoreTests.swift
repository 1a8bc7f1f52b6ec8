import Foundation
import Testing
@testable import ReplydCore

@Suite struct RetryScheduleTests {
    let schedule = RetrySchedule(firstRetry: .seconds(60), maxInterval: .seconds(600), maxAge: .seconds(3600))
    let queued = Date(timeIntervalSince1970: 1_000_000)

    @Test func backsOffExponentiallyWithACap() {
        let temporary = DeliveryOutcome.temporary(host: "h", reason: "451 try later")
        let intervals = (1...6).map { attempt -> Double in
            guard case .retry(let at) = schedule.next(after: temporary, attempts: attempt, queuedAt: queued, now: queued) else { return -1 }
            return at.timeIntervalSince(queued)
        }
        #expect(intervals == [60, 120, 240, 480, 600, 600])
    }

    @Test func givesUpAfterMaxAgeAndOnPermanentFailures() {
        let temporary = DeliveryOutcome.temporary(host: "h", reason: "timeout")
        if case .giveUp = schedule.next(after: temporary, attempts: 3, queuedAt: queued, now: queued.addingTimeInterval(3500)) {} else {
            Issue.record("should give up past max age")
        }
        if case .giveUp(let reason) = schedule.next(after: .permanent(host: "h", reason: "550 no"), attempts: 1, queuedAt: queued, now: queued) {
            #expect(reason == "550 no")
        } else {
            Issue.record("5xx is permanent")
        }
        #expect(schedule.next(after: .delivered(host: "h", code: 250, detail: "ok", tlsVersion: nil), attempts: 1, queuedAt: queued, now: queued) == .done)
    }
}
