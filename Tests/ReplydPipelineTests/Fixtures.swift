import Foundation
import ReplydCore
import ReplydPipeline
import GRDB
@testable import ReplydStore
import ReplydTesting

/// A pipeline over a fresh SQLite file, and the messages the tests send through it.
struct Fixture {
    let scratch: ScratchDirectory
    let store: SQLiteStore
    let pipeline: MessagePipeline
    static let start = TestMessages.now
    static let engine = ReplyEngineSettings(site: SiteRules(organisationDomains: ["firma.pl"]),
                                            makeMessageID: { domain in "<\(UUID().uuidString)@\(domain)>" })

    init(engine: ReplyEngineSettings? = Fixture.engine) throws {
        scratch = try ScratchDirectory("replyd-pipeline")
        store = try SQLiteStore(path: scratch.path("test.sqlite"))
        pipeline = MessagePipeline(store: store, engine: engine)
    }

    /// A second store and pipeline on the same file: another process, or another node.
    func sibling() throws -> (SQLiteStore, MessagePipeline) {
        let other = try SQLiteStore(path: scratch.path("test.sqlite"))
        return (other, MessagePipeline(store: other, engine: pipeline.engine))
    }

    static func mail(from sender: String = "ewa@klient.pl", to recipients: [String] = ["jan@firma.pl"], subject: String = "s",
                     at date: Date, headers: String = "", body: String = "body") -> InboundMessage {
        TestMessages.inbound(from: sender, to: recipients, subject: subject, headers: headers, body: body + "\r\n", at: date)
    }

    static func sms(_ text: String, id: String, from sender: String = "+48600700800", to recipient: String = "+48500100200",
                    at date: Date) -> InboundSMS {
        InboundSMS(provider: "p", providerID: id, sender: sender, recipient: recipient, text: text, receivedAt: date)
    }

    /// How many rows a table has, read through the log and queue readers where they exist.
    func queued(channel: OutboundChannel, at now: Date) async throws -> [OutboundItem] {
        try await store.claimDue(channel: channel, owner: "test", now: now, limit: 1000, lease: .seconds(60))
    }
}

extension Verdict {
    /// The verdict without what differs between two runs of the same message (ids).
    var comparable: Verdict {
        var copy = self
        copy.outbound = []
        return copy
    }
}

extension SQLiteStore {
    /// Makes the store fail part of a transaction, as a full disk or a constraint would.
    func failInsertsForTesting(whenHeaderValueIs value: String) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER fail_header BEFORE INSERT ON inbound_raw WHEN CAST(NEW.raw AS TEXT) LIKE '%\(value)%'
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
                """)
        }
    }

    func failInsertsForTesting(intoQueue fail: Bool) async throws {
        try await pool.write { db in
            try db.execute(sql: fail ? "CREATE TRIGGER no_queue BEFORE INSERT ON outbound BEGIN SELECT RAISE(ABORT, 'queue full'); END;"
                                     : "DROP TRIGGER no_queue")
        }
    }
}
