import Foundation
import ReplydCore
import ReplydPipeline
@testable import ReplydPostgres
import ReplydTesting
import Testing

/// The PostgreSQL store against a real server (scripts/test starts one). What SQLite's single writer
/// gave for free must hold here between stores standing for separate nodes on one database.
@Suite(.enabled(if: TestPostgres.available, "needs REPLYD_TEST_POSTGRES_URL (scripts/test sets it)"))
struct PostgresStoreTests {
    let now = TestMessages.now
    static let engine = ReplyEngineSettings(site: SiteRules(organisationDomains: ["firma.pl"]), makeMessageID: { _ in "<\(UUID())@firma.pl>" })

    func nodes(_ count: Int) async throws -> [PostgresStore] {
        let endpoint = try TestPostgres.newDatabase()
        var stores: [PostgresStore] = []
        for _ in 0..<count { stores.append(try await PostgresStore.open(endpoint, poolSize: 4, migrate: true)) }
        return stores
    }

    @Test func migratingAgainChangesNothingAndReadersCheckTheVersion() async throws {
        let endpoint = try TestPostgres.newDatabase()
        // A reader before any writer: the schema is not there yet.
        await #expect(throws: PostgresStore.OutdatedSchema.self) { _ = try await PostgresStore.open(endpoint, migrate: false) }
        // Three nodes starting at once take turns on the advisory lock.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { try await PostgresStore.open(endpoint, poolSize: 2, migrate: true).close() } }
            try await group.waitForAll()
        }
        let reader = try await PostgresStore.open(endpoint, migrate: false)
        defer { try? reader.close() }
        #expect(try await reader.recentInbound(limit: 10).isEmpty)
    }

    @Test func oneReplyPerSenderWhenTwoNodesDecideAtOnce() async throws {
        let stores = try await nodes(2)
        defer { stores.forEach { try? $0.close() } }
        try await stores[0].setVacation(Vacation(mailbox: "jan@firma.pl", start: now, message: "Away"), at: now)
        let pipelines = stores.map { MessagePipeline(store: $0, engine: Self.engine) }
        let senders = (0..<20).map { "k\($0)@klient.pl" }
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for sender in senders {
                for pipeline in pipelines {
                    group.addTask { try await pipeline.receive(TestMessages.inbound(from: sender, at: self.now.addingTimeInterval(1))) }
                }
            }
            return try await group.reduce(into: [Outcome]()) { $0.append($1) }
        }
        #expect(outcomes.count == 40)
        #expect(outcomes.flatMap { $0.verdicts }.filter { $0.answered }.count == 20)
        let queued = try await stores[1].queueEntries(includeSent: true, limit: 100)
        #expect(Set(queued.map(\.recipient)) == Set(senders) && queued.count == 20)
    }

    @Test func aDueItemGoesToOneNodeAndAnExpiredLeaseToAnother() async throws {
        let stores = try await nodes(2)
        defer { stores.forEach { try? $0.close() } }
        try await stores[0].setVacation(Vacation(mailbox: "jan@firma.pl", start: now, message: "Away"), at: now)
        let pipeline = MessagePipeline(store: stores[0], engine: Self.engine)
        for index in 0..<6 { _ = try await pipeline.receive(TestMessages.inbound(from: "k\(index)@klient.pl", at: now)) }
        let later = now.addingTimeInterval(60)
        async let a = stores[0].claimDue(channel: .email, owner: "a", now: later, limit: 4, lease: .seconds(30))
        async let b = stores[1].claimDue(channel: .email, owner: "b", now: later, limit: 4, lease: .seconds(30))
        let (first, second) = try await (a, b)
        #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
        #expect(first.count + second.count == 6)
        // Node a died; node b keeps delivering its own. After a's lease, b takes a's items, marked as resumed.
        try await stores[1].renew(second.map(\.id), owner: "b", until: later.addingTimeInterval(100))
        let taken = try await stores[1].claimDue(channel: .email, owner: "b", now: later.addingTimeInterval(31), limit: 10, lease: .seconds(30))
        #expect(Set(taken.map(\.id)) == Set(first.map(\.id)) && taken.allSatisfy(\.resumed))
        try await stores[1].complete(taken[0], outcome: .delivered(host: "mx", code: 250, detail: "250 ok", tlsVersion: nil), next: .done,
                                     at: later.addingTimeInterval(32))
        let entry = try #require(try await stores[0].queueEntry(id: taken[0].id))
        #expect(entry.status == "sent")
        #expect(try await stores[0].attempts(outbound: taken[0].id).map(\.detail) == ["250 ok [resumed after an interrupted attempt: may be a duplicate]"])
    }

    @Test func aRehearsalStoresNothing() async throws {
        let stores = try await nodes(1)
        defer { try? stores[0].close() }
        let pipeline = MessagePipeline(store: stores[0], engine: nil)
        _ = try await pipeline.rehearse(TestMessages.inbound())
        #expect(try await stores[0].recentInbound(limit: 10).isEmpty)
        let id = try await pipeline.recordInbound(TestMessages.inbound(subject: "kept"))
        #expect(try await stores[0].inbound(id: id)?.subject == "kept")
        #expect(try await stores[0].rawMessage(id: id).map { String(decoding: $0, as: UTF8.self) }?.contains("Subject: kept") == true)
    }

    @Test func anUnreachableServerIsReportedInTimeNotWaitedForEver() async throws {
        // A port nothing listens on: the pool keeps retrying, the operation gives up after its wait.
        let endpoint = PostgresEndpoint(host: "127.0.0.1", port: 9, username: "replyd", database: "none", tls: .disable)
        await #expect(throws: StoreUnavailable.self) {
            _ = try await PostgresStore.open(endpoint, connectionWait: .milliseconds(300), migrate: true)
        }
    }
}
