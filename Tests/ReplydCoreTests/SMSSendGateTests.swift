import Foundation
import Testing
@testable import ReplydCore

@Suite struct SMSSendGateTests {
    let stop = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func subscribedOrUnknownNumbersGetEverything() {
        #expect(SMSSendGate.verdict(intent: "message", queuedAt: stop, optedOutAt: nil) == .send)
        #expect(SMSSendGate.verdict(intent: nil, queuedAt: stop, optedOutAt: nil) == .send)
    }

    @Test func anOptedOutNumberGetsOnlyTheFarewellOfThatOptOut() {
        #expect(SMSSendGate.verdict(intent: "opt-out", queuedAt: stop, optedOutAt: stop) == .send)
        #expect(SMSSendGate.verdict(intent: "opt-out", queuedAt: stop.addingTimeInterval(1), optedOutAt: stop) == .send)
        // Queued before the STOP (an autoreply waiting for a retry), or any other kind: never sent.
        for (intent, queued) in [("message", stop.addingTimeInterval(-60)), ("message", stop.addingTimeInterval(60)),
                                 ("help", stop), ("opt-in", stop.addingTimeInterval(-1)), ("opt-out", stop.addingTimeInterval(-1))] {
            guard case .suppress(let reason) = SMSSendGate.verdict(intent: intent, queuedAt: queued, optedOutAt: stop) else {
                Issue.record("\(intent) queued at \(queued) must not be sent")
                continue
            }
            #expect(reason.hasPrefix("opted-out"))
        }
    }
}
