import Foundation
import ReplydCore
import ReplydPipeline
@testable import ReplydStore
import Testing

@Suite struct SMSFlowTests {
    let now = Fixture.start
    let list = SMSList(number: "+48500100200", name: "promo", welcome: "hi", farewell: "bye", help: "help", autoreply: "thanks")

    @Test func anOptOutStopsWhatWasQueuedBeforeButNotTheFarewell() async throws {
        let fixture = try Fixture()
        try await fixture.store.setSMSList(list, at: now)
        let autoreply = try await fixture.pipeline.receive(Fixture.sms("hello", id: "1", at: now))
        #expect(autoreply.verdicts.first?.answered == true && autoreply.verdicts.first?.intent == "message")
        let farewell = try await fixture.pipeline.receive(Fixture.sms("stop", id: "2", at: now.addingTimeInterval(30)))
        #expect(farewell.verdicts.first?.intent == "opt-out" && farewell.subscriptionChanges.map(\.status) == [.optedOut])
        #expect(farewell.queued.first?.message.origin == .smsList(key: list.key, intent: "opt-out"))
        // The autoreply queued before the STOP is suppressed at claim time; the farewell goes out.
        let claimed = try await fixture.queued(channel: .sms, at: now.addingTimeInterval(60))
        #expect(claimed.map { String(decoding: $0.data, as: UTF8.self) } == ["bye"])
        let suppressed = try await fixture.store.queuePage(status: "suppressed", limit: 10, offset: 0).items
        #expect(suppressed.map(\.intent) == ["message"] && suppressed.map(\.kind) == ["sms-list"])
    }

    /// Lists only under prefixes: a bare STOP also opts the number out at the number itself, which is
    /// what notifications sent from that number check.
    @Test func bareStopToAPrefixOnlyNumberIsRecordedForTheNumber() async throws {
        let fixture = try Fixture()
        let pizza = SMSList(number: "+48500100200", prefix: "PIZZA", name: "pizza", welcome: "w", farewell: "f", help: "h")
        try await fixture.store.setSMSList(pizza, at: now)
        let stop = try await fixture.pipeline.receive(Fixture.sms("STOP", id: "1", at: now))
        #expect(stop.subscriptionChanges.map { [$0.list, $0.status.rawValue] } == [["+48500100200", "out"], ["+48500100200 PIZZA", "out"]])
        #expect(try await fixture.store.smsSubscriptions(list: "+48500100200", status: "out", limit: 10, offset: 0).total == 1)
        let start = try await fixture.pipeline.receive(Fixture.sms("START", id: "2", at: now))
        #expect(start.subscriptionChanges.map(\.status) == [.subscribed])
        #expect(try await fixture.store.smsSubscriptions(list: "+48500100200", status: "in", limit: 10, offset: 0).total == 1)
    }

    @Test func aNumberWithoutListsRecordsStopAndAnswersNothing() async throws {
        let fixture = try Fixture()
        let outcome = try await fixture.pipeline.receive(Fixture.sms("STOP", id: "1", to: "+48500999999", at: now))
        #expect(outcome.verdicts.map(\.reason) == ["no-list"] && outcome.queued.isEmpty)
        #expect(outcome.subscriptionChanges.map(\.list) == ["+48500999999"])
    }

    /// Concurrent webhooks share transactions; a retried id inside the same batch is still answered once.
    @Test func concurrentSMSAreGroupCommittedAndDeduplicated() async throws {
        let fixture = try Fixture()
        try await fixture.store.setSMSList(list, at: now)
        let pipeline = fixture.pipeline
        let now = self.now
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await pipeline.receive(Fixture.sms("hello", id: "id-\(index % 20)", from: "+4860070\(1000 + index % 20)", at: now))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let duplicates = outcomes.filter { if case .sms(_, true) = $0.inbound { true } else { false } }
        #expect(duplicates.count == 20)
        #expect(Set(outcomes.map(\.id)).count == 20)
        // A retried webhook is answered as the first time was.
        #expect(duplicates.allSatisfy { $0.verdicts.first?.answered == true && $0.queued.isEmpty })
        #expect(try await fixture.queued(channel: .sms, at: now.addingTimeInterval(1)).count == 20)
    }
}
