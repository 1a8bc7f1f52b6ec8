import Foundation
import GRDB
import ReplydCore
import ReplydPipeline
import ReplydTesting
import Testing
@testable import ReplydStore

@Suite struct SQLiteStoreTests {
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("replyd-store")
    }

    var path: String { scratch.path("test.sqlite") }

    func record(_ message: InboundMessage, in store: SQLiteStore) async throws -> Int64 {
        try await store.transaction { try $0.recordMail(message) }
    }

    func message(_ subject: String, extraHeader: String = "", recipients: [String] = ["bob@example.test"]) -> InboundMessage {
        TestMessages.inbound(from: "ann@b.test", to: recipients, subject: nil,
                             headers: "Subject: \(subject)\r\nMessage-ID: <\(subject)@t>\r\n\(extraHeader)", body: "Zażółć\r\n", bare: true)
    }

    @Test func recordsAndReadsBackNewestFirst() async throws {
        let store = try SQLiteStore(path: path)
        let first = try await record(message("one", recipients: ["a@example.test", "b@example.test"]), in: store)
        let second = try await record(message("two"), in: store)
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
            _ = try await record(message("kept"), in: store)
            try store.close()
        }
        let reader = try SQLiteStore(readingFrom: path)
        #expect(try await reader.recentInbound(limit: 5).map(\.subject) == ["kept"])
        await #expect(throws: (any Error).self) { try await record(message("nope"), in: reader) }
    }

    @Test func aRehearsalKeepsNothing() async throws {
        let store = try SQLiteStore(path: path)
        let id = try await store.rehearsal { try $0.recordMail(message("dry")) }
        #expect(id > 0)
        #expect(try await store.recentInbound(limit: 5).isEmpty)
        #expect(try await record(message("real"), in: store) == id)
    }

    /// Rows queued before v12 carried SMS intents in `subject` and list keys in `mailbox`.
    @Test func migratingOldQueueRowsGivesThemRealColumns() async throws {
        let pool = try DatabasePool(path: path)
        try Schema.migrator.migrate(pool, upTo: "v11: mail list confirmations")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO mail_list (address, settings, updated_at) VALUES ('news@example.test', '{}', ?)", arguments: [now])
            let rows: [(String, String?, String, String?, Int64?)] = [
                ("email", "jan@example.test", "r@x.test", "Auto: hi", nil),
                ("email", "news@example.test", "r@x.test", "Re: STOP", nil),
                ("sms", "+48500100200 PIZZA", "+48600700800", "opt-out", nil),
                ("sms", "+48500100200", "+48600700800", "notify:shipped", 7),
                ("email", "notifications", "ola@x.test", "Order 1: shipped", 8),
            ]
            for (channel, mailbox, recipient, subject, notification) in rows {
                try db.execute(sql: """
                    INSERT INTO outbound (channel, mailbox, envelope_sender, recipient, subject, data, status, created_at,
                                          next_attempt_at, notification)
                    VALUES (?, ?, '', ?, ?, x'00', 'queued', ?, ?, ?)
                    """, arguments: [channel, mailbox, recipient, subject, now, now, notification])
            }
        }
        try pool.close()
        let store = try SQLiteStore(path: path)
        let migrated = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, mailbox, list_key, intent, subject FROM outbound ORDER BY id").map {
                [$0["kind"], $0["mailbox"], $0["list_key"], $0["intent"], $0["subject"]] as [String?]
            }
        }
        #expect(migrated == [
            ["vacation", "jan@example.test", nil, nil, "Auto: hi"],
            ["mail-list", nil, "news@example.test", nil, "Re: STOP"],
            ["sms-list", nil, "+48500100200 PIZZA", "opt-out", nil],
            ["notification", nil, "+48500100200", nil, nil],
            ["notification", nil, nil, nil, "Order 1: shipped"],
        ])
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
