import Foundation
import ReplydCore
import ReplydPipeline
@testable import ReplydStore
import Testing

@Suite struct GroupCommitTests {
    func message(_ subject: String, extraHeader: String = "") -> InboundMessage {
        Fixture.mail(from: "ann@b.test", to: ["bob@example.test"], subject: subject, at: Fixture.start, headers: extraHeader)
    }

    @Test func aFailedMessageFailsAloneAndLeavesNothing() async throws {
        let fixture = try Fixture()
        try await fixture.store.failInsertsForTesting(whenHeaderValueIs: "fail-me")
        // Submitted together so they share a group commit; the bad one must fail alone.
        async let good1 = fixture.pipeline.recordInbound(message("good1"))
        async let bad = fixture.pipeline.recordInbound(message("bad", extraHeader: "X-Test: fail-me\r\n"))
        async let good2 = fixture.pipeline.recordInbound(message("good2"))
        _ = try await good1
        _ = try await good2
        let badResult: Result<Int64, any Error>
        do { badResult = .success(try await bad) } catch { badResult = .failure(error) }
        #expect(throws: (any Error).self) { try badResult.get() }
        #expect(Set(try await fixture.store.recentInbound(limit: 10).compactMap(\.subject)) == ["good1", "good2"])
    }

    @Test func concurrentSubmissionsAllCommitWithDistinctIDs() async throws {
        let fixture = try Fixture()
        let pipeline = fixture.pipeline
        let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<200 {
                group.addTask { try await pipeline.recordInbound(message("m\(index)")) }
            }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 200)
        #expect(try await fixture.store.recentInbound(limit: 1000).count == 200)
    }

    @Test func aReplyThatCannotBeQueuedRollsBackTheMessageToo() async throws {
        let fixture = try Fixture()
        try await fixture.store.setVacation(Vacation(mailbox: "jan@firma.pl", start: Fixture.start, message: "Away"), at: Fixture.start)
        try await fixture.store.failInsertsForTesting(intoQueue: true)
        await #expect(throws: (any Error).self) {
            _ = try await fixture.pipeline.receive(Fixture.mail(at: Fixture.start.addingTimeInterval(5)))
        }
        #expect(try await fixture.store.recentInbound(limit: 10).isEmpty)
        // Nor was the history key kept: with the queue back, the same sender is answered.
        try await fixture.store.failInsertsForTesting(intoQueue: false)
        let retried = try await fixture.pipeline.receive(Fixture.mail(at: Fixture.start.addingTimeInterval(6)))
        #expect(retried.verdicts.map(\.answered) == [true])
    }
}
