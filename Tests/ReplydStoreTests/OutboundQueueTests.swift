import Foundation
import GRDB
import ReplydCore
import Testing
@testable import ReplydStore

@Suite struct OutboundQueueTests {
    let store: SQLiteStore
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replyd-queue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory.appendingPathComponent("q.sqlite").path)
        let now = self.now
        try await store.pool.write { db in
            for index in 0..<5 {
                try db.execute(sql: """
                    INSERT INTO outbound (channel, envelope_sender, recipient, data, status, created_at, next_attempt_at)
                    VALUES ('email', '', ?, ?, 'queued', ?, ?)
                    """, arguments: ["r\(index)@d\(index % 2).pl", Data("m\(index)".utf8), now, now.addingTimeInterval(Double(index))])
            }
        }
    }

    @Test func leasesAreExclusiveUntilTheyExpire() async throws {
        let first = try await store.claimDue(channel: .email, owner: "a", now: now.addingTimeInterval(10), limit: 3, lease: .seconds(60))
        #expect(first.map(\.id) == [1, 2, 3])
        let second = try await store.claimDue(channel: .email, owner: "b", now: now.addingTimeInterval(10), limit: 10, lease: .seconds(60))
        #expect(second.map(\.id) == [4, 5])
        #expect(try await store.claimDue(channel: .email, owner: "c", now: now.addingTimeInterval(20), limit: 10, lease: .seconds(60)).isEmpty)
        // Owner a died: after its lease, its items are claimed again.
        let again = try await store.claimDue(channel: .email, owner: "c", now: now.addingTimeInterval(71), limit: 10, lease: .seconds(60))
        #expect(again.map(\.id) == [1, 2, 3, 4, 5])
    }

    @Test func onlyDueItemsAreClaimed() async throws {
        #expect(try await store.claimDue(channel: .email, owner: "a", now: now.addingTimeInterval(1), limit: 10, lease: .seconds(60)).map(\.id) == [1, 2])
        #expect(try await store.nextDue(channel: .email) == now)
    }

    @Test func completionRecordsAttemptsAndStatus() async throws {
        let items = try await store.claimDue(channel: .email, owner: "a", now: now.addingTimeInterval(10), limit: 3, lease: .seconds(60))
        try await store.complete(items[0], outcome: .delivered(host: "mx:25", code: 250, detail: "ok", tlsVersion: "TLSv1.3"),
                                 next: .done, at: now)
        try await store.complete(items[1], outcome: .temporary(host: "mx:25", reason: "451 4.7.1 later"),
                                 next: .retry(at: now.addingTimeInterval(120)), at: now)
        try await store.complete(items[2], outcome: .permanent(host: "mx:25", reason: "550 5.1.1 unknown"),
                                 next: .giveUp(reason: "550 5.1.1 unknown"), at: now)
        let entries = try await store.queueEntries(includeSent: true, limit: 10)
        let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0.id, $0) })
        #expect(byID[1]?.status == "sent")
        #expect(byID[1]?.remoteHost == "mx:25")
        #expect(byID[2]?.status == "queued")
        #expect(byID[2]?.attempts == 1)
        #expect(byID[2]?.lastError == "451 4.7.1 later")
        #expect(byID[2]?.nextAttemptAt == now.addingTimeInterval(120))
        #expect(byID[3]?.status == "failed")
        #expect(try await store.attempts(outbound: 1).map(\.outcome) == ["delivered"])
        // retry brings the failed one back; drop takes the deferred one out.
        #expect(try await store.retryNow(3, at: now) == .done)
        #expect(try await store.drop(2, at: now) == .done)
        #expect(try await store.drop(1, at: now) == .notFound)  // already sent
        let after = try await store.queueEntries(includeSent: true, limit: 10)
        #expect(after.first { $0.id == 3 }?.status == "queued")
        #expect(after.first { $0.id == 2 }?.status == "dropped")
    }

    @Test func releaseGivesItemsBack() async throws {
        let items = try await store.claimDue(channel: .email, owner: "a", now: now.addingTimeInterval(10), limit: 1, lease: .seconds(60))
        try await store.release(items[0].id, owner: "someone-else")
        #expect(try await store.claimDue(channel: .email, owner: "b", now: now.addingTimeInterval(10), limit: 1, lease: .seconds(60)).first?.id == 2)
        try await store.release(items[0].id, owner: "a")
        #expect(try await store.claimDue(channel: .email, owner: "b", now: now.addingTimeInterval(10), limit: 1, lease: .seconds(60)).first?.id == 1)
    }

    @Test func anItemInFlightIsNeitherDroppedNorRetried() async throws {
        let claimed = try await store.claimDue(channel: .email, owner: "w", now: now.addingTimeInterval(10), limit: 1, lease: .seconds(60))
        let id = try #require(claimed.first?.id)
        #expect(try await store.drop(id, at: now.addingTimeInterval(20)) == .inFlight)
        #expect(try await store.retryNow(id, at: now.addingTimeInterval(20)) == .inFlight)
        // Once the lease has run out, it can be.
        #expect(try await store.drop(id, at: now.addingTimeInterval(100)) == .done)
        #expect(try await store.drop(999, at: now) == .notFound)
    }
}
