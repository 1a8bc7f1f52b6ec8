import Foundation
import ReplydCore
import ReplydPipeline
import ReplydStore

/// `scripts/bench/policy`: decisions per second against an empty store (the reference) and against a
/// mailbox with many contacts and a large reply history. If lookups are index lookups, the two rates
/// are close; a scan would make the second collapse.
@main
enum PolicyBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        func value(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1]) else { return fallback }
            return number
        }
        let contacts = max(value("--contacts", 100_000), workloadContacts)
        let history = value("--history", 1_000_000)
        let decisions = value("--decisions", 20_000)
        let json = arguments.contains("--json")

        let pure = measurePure(decisions * 5)
        // The reference holds just the contacts the workload writes from, so both runs do the same work.
        let empty = try await measureStore(contacts: workloadContacts, history: 0, decisions: decisions)
        let loaded = try await measureStore(contacts: contacts, history: history, decisions: decisions)

        if json {
            let object: [String: Any] = [
                "pure_decisions_per_s": pure, "empty": empty.dictionary, "loaded": loaded.dictionary,
                "contacts": contacts, "history": history,
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print("policy benchmark (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
        print(String(format: "  pure policy (no store)                      %10.0f decisions/s", pure))
        print(String(format: "  store, %6d contacts,       0 history decide %10.0f decisions/s   record %8.0f msg/s  (reference)", workloadContacts, empty.decide, empty.record))
        print(String(format: "  store, %6d contacts, %7d history decide %10.0f decisions/s   record %8.0f msg/s", contacts, history, loaded.decide, loaded.record))
        print(String(format: "  ratio loaded/empty: decide %.2fx, record %.2fx (1.00x = cost does not grow with the data)",
                     loaded.decide / empty.decide, loaded.record / empty.record))
    }

    struct StoreResult {
        var decide: Double
        var record: Double
        var dictionary: [String: Double] { ["decide_per_s": decide, "record_per_s": record] }
    }

    static let workloadContacts = 1_000
    static let site = SiteRules(organisationDomains: ["firma.pl"], maxDays: 30, maxRepliesPerHour: 1_000_000_000)
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func message(sender: String, at date: Date) -> InboundMessage {
        let data = Array("From: \(sender)\r\nTo: jan@firma.pl\r\nSubject: Faktura\r\nMessage-ID: <\(sender)@b>\r\n\r\nbody\r\n".utf8)
        let received = ReceivedMessage(reversePath: .mailbox(try! MailAddress.parse(Substring(sender)).get()),
                                       recipients: ["jan@firma.pl"], helo: "h", esmtp: true, remoteAddress: "192.0.2.1",
                                       tls: nil, body8bit: false, smtputf8: false, data: data)
        return InboundMessage(received: received, receivedAt: date)
    }

    static func measurePure(_ count: Int) -> Double {
        let vacation = Vacation(mailbox: "jan@firma.pl", start: start, message: "Away", contactsOnly: true)
        let messages = (0..<1000).map { message(sender: "s\($0)@klient.pl", at: start.addingTimeInterval(60)) }
        let clock = ContinuousClock()
        var replies = 0
        let elapsed = clock.measure {
            for index in 0..<count {
                let decision = VacationPolicy.decide(message: messages[index % messages.count], recipient: "jan@firma.pl",
                                                     vacation: vacation, facts: PolicyFacts(isContact: index % 2 == 0),
                                                     site: site, now: start.addingTimeInterval(60))
                if decision.reason == nil { replies += 1 }
            }
        }
        precondition(replies == count / 2 + count % 2)
        return Double(count) / elapsed.timeInterval
    }

    static func measureStore(contacts: Int, history: Int, decisions: Int) async throws -> StoreResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replyd-policy-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let engine = ReplyEngineSettings(site: site, makeMessageID: { _ in "<\(UUID().uuidString)@bench>" })
        let store = try SQLiteStore(path: directory.appendingPathComponent("bench.sqlite").path)
        let pipeline = MessagePipeline(store: store, engine: engine)
        let vacation = Vacation(mailbox: "jan@firma.pl", start: start, message: "Away", contactsOnly: true)
        try await store.setVacation(vacation, at: start)
        try await seed(store, contacts: contacts, history: history, responseID: vacation.responseID)

        // Senders alternate between contacts and strangers; none has been answered yet.
        let senders = (0..<decisions).map { index in
            index % 2 == 0 ? "c\(index % workloadContacts)@klient.pl" : "new\(index)@obcy.pl"
        }
        let clock = ContinuousClock()
        let now = start.addingTimeInterval(60)
        let decideTime = try await clock.measure {
            for sender in senders {
                _ = try await pipeline.rehearse(message(sender: sender, at: now))
            }
        }
        let recordCount = min(decisions, 5_000)
        let recordTime = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // 20 concurrent "connections", as SMTP sessions would submit.
                for lane in 0..<20 {
                    group.addTask {
                        for index in stride(from: lane, to: recordCount, by: 20) {
                            _ = try await pipeline.recordInbound(message(sender: senders[index], at: now))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try store.close()
        return StoreResult(decide: Double(decisions) / decideTime.timeInterval, record: Double(recordCount) / recordTime.timeInterval)
    }

    static func seed(_ store: SQLiteStore, contacts: Int, history: Int, responseID: String) async throws {
        try await store.addContacts(owner: "jan@firma.pl", (0..<contacts).map { ("c\($0)@klient.pl", "Contact \($0)") }, at: start)
        try await store.seedHistory(mailbox: "jan@firma.pl", count: history, responseID: responseID, at: start.addingTimeInterval(-100 * 86_400))
        // A long-running server has checkpointed its bulk history long ago; do not bill it to the run.
        try await store.checkpoint()
    }
}

