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
        #expect(try await store.attempts(outbound: 1).map(\.2) == ["delivered"])
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

    @Test func smsClaimsSkipWhatAnOptOutForbids() async throws {
        let list = SMSList(number: "+48500100200", name: "promo", welcome: "hi", farewell: "bye", help: "help", autoreply: "thanks")
        try await store.setSMSList(list, at: now)
        let autoreply = try await store.recordInboundSMS(provider: "p", providerID: "1", from: "+48600700800", to: list.number,
                                                         text: "hello", at: now)
        #expect(autoreply.replied)
        let farewell = try await store.recordInboundSMS(provider: "p", providerID: "2", from: "+48600700800", to: list.number,
                                                        text: "stop", at: now.addingTimeInterval(30))
        #expect(farewell.replied)
        // The e-mail worker never sees SMS items, and vice versa.
        let email = try await store.claimDue(channel: .email, owner: "e", now: now.addingTimeInterval(60), limit: 100, lease: .seconds(60))
        #expect(email.count == 5 && email.allSatisfy { $0.recipient.contains("@") })
        let claimed = try await store.claimDue(channel: .sms, owner: "s", now: now.addingTimeInterval(60), limit: 10, lease: .seconds(60))
        #expect(claimed.map { String(decoding: $0.data, as: UTF8.self) } == ["bye"])
        let suppressed = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT status, last_error FROM outbound WHERE channel = 'sms' AND subject = 'message'")
                .map { [$0["status"] as String, $0["last_error"] as String] }
        }
        #expect(suppressed.count == 1)
        #expect(suppressed.first?[0] == "suppressed")
        #expect(suppressed.first?[1].hasPrefix("opted-out") == true)
        // A later STOP does not move the opt-out time: the first farewell still goes out on a retry.
        _ = try await store.recordInboundSMS(provider: "p", providerID: "3", from: "+48600700800", to: list.number,
                                             text: "STOP", at: now.addingTimeInterval(90))
        try await store.release(claimed[0].id, owner: "s")
        #expect(try await store.claimDue(channel: .sms, owner: "s", now: now.addingTimeInterval(120), limit: 10, lease: .seconds(60))
            .map(\.id) == [claimed[0].id])
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

    /// Lists only under prefixes: a bare STOP also opts the number out at the number itself, which is
    /// what notifications sent from that number check.
    @Test func bareStopToAPrefixOnlyNumberIsRecordedForTheNumber() async throws {
        let pizza = SMSList(number: "+48500100200", prefix: "PIZZA", name: "pizza", welcome: "w", farewell: "f", help: "h")
        try await store.setSMSList(pizza, at: now)
        _ = try await store.recordInboundSMS(provider: "p", providerID: "1", from: "+48600700800", to: pizza.number, text: "STOP", at: now)
        let rows = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT list, status FROM sms_subscription ORDER BY list").map { [$0["list"] as String, $0["status"] as String] }
        }
        #expect(rows == [["+48500100200", "out"], ["+48500100200 PIZZA", "out"]])
        _ = try await store.recordInboundSMS(provider: "p", providerID: "2", from: "+48600700800", to: pizza.number, text: "START", at: now)
        let after = try await store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM sms_subscription WHERE list = '+48500100200'")
        }
        #expect(after == "in")
    }

    /// Concurrent webhooks share transactions; a retried id inside the same batch is still answered once.
    @Test func concurrentSMSAreGroupCommittedAndDeduplicated() async throws {
        let list = SMSList(number: "+48500100200", name: "promo", welcome: "hi", farewell: "bye", help: "help", autoreply: "thanks")
        try await store.setSMSList(list, at: now)
        let store = self.store
        let now = self.now
        let receipts = try await withThrowingTaskGroup(of: SQLiteStore.SMSReceipt.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await store.recordInboundSMS(provider: "p", providerID: "id-\(index % 20)", from: "+4860070\(1000 + index % 20)",
                                                     to: list.number, text: "hello", at: now)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(receipts.filter { !$0.duplicate }.count == 20)
        #expect(receipts.filter(\.duplicate).count == 20)
        #expect(Set(receipts.map(\.id)).count == 20)
        let queued = try await store.claimDue(channel: .sms, owner: "s", now: now.addingTimeInterval(1), limit: 100, lease: .seconds(60))
        #expect(queued.count == 20)
    }
}
