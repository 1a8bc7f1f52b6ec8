import Foundation
import GRDB
import ReplydCore
import Testing
@testable import ReplydStore

@Suite struct SQLiteStoreTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("replyd-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var path: String { directory.appendingPathComponent("test.sqlite").path }

    func message(_ subject: String, extraHeader: String = "", recipients: [String] = ["bob@example.test"]) -> InboundMessage {
        let data = Array("Subject: \(subject)\r\nMessage-ID: <\(subject)@t>\r\n\(extraHeader)\r\nZażółć\r\n".utf8)
        let received = ReceivedMessage(reversePath: .mailbox(MailAddress(localPart: "ann", domain: "b.test")),
                                       recipients: recipients, helo: "client.test", esmtp: true,
                                       remoteAddress: "192.0.2.7", tls: nil, body8bit: true, smtputf8: false, data: data)
        return InboundMessage(received: received, receivedAt: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func recordsAndReadsBackNewestFirst() async throws {
        let store = try SQLiteStore(path: path)
        let first = try await store.recordInbound(message("one", recipients: ["a@example.test", "b@example.test"]))
        let second = try await store.recordInbound(message("two"))
        #expect(second > first)
        let rows = try await store.recentInbound(limit: 10)
        #expect(rows.map(\.subject) == ["two", "one"])
        #expect(rows[1].recipients == ["a@example.test", "b@example.test"])
        #expect(rows[1].sender == "ann@b.test")
        #expect(rows[1].messageID == "<one@t>")
        #expect(rows[1].receivedAt == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(try await store.rawMessage(id: first) == message("one").raw)
        #expect(try await store.recentInbound(limit: 1).count == 1)
        try store.close()
    }

    @Test func survivesReopenAndReadsReadOnly() async throws {
        do {
            let store = try SQLiteStore(path: path)
            _ = try await store.recordInbound(message("kept"))
            try store.close()
        }
        let reader = try SQLiteStore(readingFrom: path)
        #expect(try await reader.recentInbound(limit: 5).map(\.subject) == ["kept"])
        await #expect(throws: (any Error).self) { try await reader.recordInbound(message("nope")) }
    }

    @Test func failedCommitLeavesNothingAndDoesNotFailOthers() async throws {
        let store = try SQLiteStore(path: path)
        try await store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER fail_me BEFORE INSERT ON inbound_header WHEN NEW.value = 'fail-me'
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
                """)
        }
        // Submitted together so they share a group commit; the bad one must fail alone.
        async let good1 = store.recordInbound(message("good1"))
        async let bad = store.recordInbound(message("bad", extraHeader: "X-Test: fail-me\r\n"))
        async let good2 = store.recordInbound(message("good2"))
        _ = try await good1
        _ = try await good2
        let badResult: Result<Int64, any Error>
        do { badResult = .success(try await bad) } catch { badResult = .failure(error) }
        #expect(throws: (any Error).self) { try badResult.get() }

        let counts = try await store.pool.read { db in
            try ["inbound_message", "inbound_recipient", "inbound_header", "inbound_raw"].map {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)")!
            }
        }
        // Two messages, each with one recipient and two headers.
        #expect(counts == [2, 2, 4, 2])
        #expect(Set(try await store.recentInbound(limit: 10).compactMap(\.subject)) == ["good1", "good2"])
    }

    @Test func concurrentSubmissionsAllCommitWithDistinctIDs() async throws {
        let store = try SQLiteStore(path: path)
        let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<200 {
                group.addTask { try await store.recordInbound(message("m\(index)")) }
            }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 200)
        #expect(try await store.recentInbound(limit: 1000).count == 200)
    }

    @Test func usesWALAndFullSync() async throws {
        let store = try SQLiteStore(path: path)
        let (mode, sync) = try await store.pool.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode")!, try Int.fetchOne(db, sql: "PRAGMA synchronous")!)
        }
        #expect(mode == "wal")
        #expect(sync == 2)  // FULL
    }
}
