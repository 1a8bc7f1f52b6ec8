import Foundation
import GRDB
import ReplydCore
import Testing
@testable import ReplydStore

@Suite struct ReplyEngineTests {
    let path: String
    let engine = ReplyEngineSettings(site: SiteRules(organisationDomains: ["firma.pl"]),
                                     makeMessageID: { "<\(UUID().uuidString)@test>" })
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replyd-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("test.sqlite").path
    }

    func message(from sender: String = "ewa@klient.pl", to recipients: [String] = ["jan@firma.pl"],
                 at date: Date, headers: String = "") -> InboundMessage {
        let data = Array("From: \(sender)\r\nTo: \(recipients.joined(separator: ", "))\r\nSubject: s\r\n\(headers)\r\nbody\r\n".utf8)
        let received = ReceivedMessage(reversePath: .mailbox(try! MailAddress.parse(Substring(sender)).get()),
                                       recipients: recipients, helo: "h", esmtp: true, remoteAddress: "192.0.2.1",
                                       tls: nil, body8bit: false, smtputf8: false, data: data)
        return InboundMessage(received: received, receivedAt: date)
    }

    func count(_ store: SQLiteStore, _ table: String) async throws -> Int {
        try await store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table)")! }
    }

    @Test func repliesOncePerPeriodAndRecordsEveryDecision() async throws {
        let store = try SQLiteStore(path: path, engine: engine)
        try await store.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away", days: 2), at: start)
        let first = try await store.recordInbound(message(at: start.addingTimeInterval(10)))
        let second = try await store.recordInbound(message(at: start.addingTimeInterval(20)))
        let later = try await store.recordInbound(message(at: start.addingTimeInterval(2 * 86_400 + 10)))
        #expect(try await store.decisions(message: first).map(\.replied) == [true])
        #expect(try await store.decisions(message: second).map(\.reason) == ["already-replied-within-period"])
        #expect(try await store.decisions(message: later).map(\.replied) == [true])
        #expect(try await count(store, "outbound") == 2)
        let outbound = try #require(try await store.decisions(message: first).first?.outboundID)
        let data = try #require(try await store.outboundData(id: outbound))
        #expect(String(decoding: data, as: UTF8.self).contains("Auto-Submitted: auto-replied\r\n"))
    }

    @Test func newTextStartsANewPeriod() async throws {
        let store = try SQLiteStore(path: path, engine: engine)
        try await store.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away"), at: start)
        _ = try await store.recordInbound(message(at: start.addingTimeInterval(10)))
        try await store.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away longer"), at: start)
        let again = try await store.recordInbound(message(at: start.addingTimeInterval(20)))
        #expect(try await store.decisions(message: again).map(\.replied) == [true])
    }

    @Test func contactsAliasesAndSubaddresses() async throws {
        let store = try SQLiteStore(path: path, engine: engine)
        try await store.setVacation(Vacation(mailbox: "jan@firma.pl", aliases: ["jk@firma.pl"], start: start,
                                             message: "Away", contactsOnly: true), at: start)
        let stranger = try await store.recordInbound(message(to: ["jk@firma.pl"], at: start.addingTimeInterval(1)))
        #expect(try await store.decisions(message: stranger).map(\.reason) == ["not-a-contact"])
        try await store.addContacts(owner: "*", [("ewa@klient.pl", "Ewa")], at: start)
        let contact = try await store.recordInbound(message(to: ["jan+x@firma.pl"], at: start.addingTimeInterval(2)))
        #expect(try await store.decisions(message: contact).map(\.replied) == [true])
        #expect(try await store.decisions(message: contact).first?.mailbox == "jan@firma.pl")
    }

    @Test func oneDecisionPerDistinctRecipientAndNoneWithoutEngine() async throws {
        let store = try SQLiteStore(path: path, engine: engine)
        let id = try await store.recordInbound(message(to: ["a@firma.pl", "A@firma.pl", "b@firma.pl"], at: start))
        #expect(try await store.decisions(message: id).map(\.reason) == ["no-vacation", "no-vacation"])
        try store.close()
        let plain = try SQLiteStore(path: path)
        let logged = try await plain.recordInbound(message(at: start))
        #expect(try await plain.decisions(message: logged).isEmpty)
    }

    @Test func failedReplyRollsBackTheMessageToo() async throws {
        let store = try SQLiteStore(path: path, engine: engine)
        try await store.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away"), at: start)
        try await store.pool.write { db in
            try db.execute(sql: "CREATE TRIGGER no_queue BEFORE INSERT ON outbound BEGIN SELECT RAISE(ABORT, 'queue full'); END;")
        }
        await #expect(throws: (any Error).self) { _ = try await store.recordInbound(message(at: start.addingTimeInterval(5))) }
        for table in ["inbound_message", "decision", "reply_history", "outbound"] {
            #expect(try await count(store, table) == 0, "\(table)")
        }
    }

    @Test func historyKeyHoldsAcrossStores() async throws {
        // Two stores on one file stand for two processes: the unique key, not memory, decides.
        let one = try SQLiteStore(path: path, engine: engine)
        let two = try SQLiteStore(path: path, engine: engine)
        try await one.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away"), at: start)
        async let a = one.recordInbound(message(at: start.addingTimeInterval(1)))
        async let b = two.recordInbound(message(at: start.addingTimeInterval(1)))
        let ids = try await [a, b]
        let replied = try await ids.asyncMap { try await one.decisions(message: $0).first!.replied }
        #expect(replied.filter { $0 }.count == 1)
        #expect(try await count(one, "outbound") == 1)
    }

    @Test func simulateStoresNothing() async throws {
        let store = try SQLiteStore(path: path, engine: engine)
        try await store.setVacation(Vacation(mailbox: "jan@firma.pl", start: start, message: "Away"), at: start)
        let results = try await store.simulate(message(at: start.addingTimeInterval(1)), engine: engine)
        #expect(results.count == 1)
        #expect(results[0].2 != nil)
        for table in ["inbound_message", "decision", "reply_history", "outbound"] {
            #expect(try await count(store, table) == 0)
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
