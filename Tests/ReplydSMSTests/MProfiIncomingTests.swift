import Foundation
import ReplydCore
import Synchronization
import Testing
@testable import ReplydSMS

/// JSON bodies are built from values, as mProfi's server would serialise them.
private func json(_ value: Any) -> [UInt8] {
    Array(try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
}

private func entry(id: Any? = nil, sender: Any? = "48600100200", recipient: Any? = "500100200", message: String? = "STOP",
                   ts: String? = "2024-07-15 11:30:05") -> [String: Any] {
    var fields: [String: Any] = [:]
    fields["id"] = id
    fields["sender"] = sender
    fields["recipient"] = recipient
    fields["message"] = message
    fields["ts"] = ts
    return fields
}

@Suite struct MProfiIncomingTests {
    @Test func requestIsAJSONPostWithTheKeyAndPolishTimes() throws {
        // 09:30:05 UTC is 11:30:05 in Warsaw in July (CEST) and 10:30:05 in January (CET).
        let summer = Date(timeIntervalSince1970: 1_721_035_805)
        let winter = Date(timeIntervalSince1970: 1_705_311_005)
        let request = MProfiIncoming.request(from: winter, to: summer, baseURL: "https://127.0.0.1:9/1.0/", apiKey: "recv-key")
        #expect(request.url == "https://127.0.0.1:9/1.0/getincoming/")
        #expect(request.headers["Content-Type"] == "application/json")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: String])
        #expect(body == ["apikey": "recv-key", "date_from": "2024-01-15 10:30:05", "date_to": "2024-07-15 11:30:05"])
    }

    @Test func aGoodAnswerGivesMessagesWithE164Numbers() throws {
        let decoded = try MProfiIncoming.decode(json([entry(id: 17), entry(id: "m-18", sender: 48_600_700_800, message: "Zażółć")]),
                                                defaultCountryCode: "48")
        #expect(decoded.rejected == [])
        #expect(decoded.messages == [
            MProfiIncomingSMS(id: "17", sender: "+48600100200", recipient: "+48500100200", text: "STOP", timestamp: "2024-07-15 11:30:05"),
            MProfiIncomingSMS(id: "m-18", sender: "+48600700800", recipient: "+48500100200", text: "Zażółć", timestamp: "2024-07-15 11:30:05"),
        ])
    }

    @Test func theListMayComeUnderResult() throws {
        let decoded = try MProfiIncoming.decode(json(["result": [entry(id: 5)]]), defaultCountryCode: "48")
        #expect(decoded.messages.map(\.id) == ["5"])
    }

    @Test func anEmptyListIsNoMessages() throws {
        #expect(try MProfiIncoming.decode(json([Any]()), defaultCountryCode: "48") == .init(messages: [], rejected: []))
        #expect(try MProfiIncoming.decode(json(["result": [Any]()]), defaultCountryCode: "48") == .init(messages: [], rejected: []))
    }

    @Test func anAnswerThatIsNotAListOfMessagesIsAnError() throws {
        let truncated = Array(json([entry(id: 1)]).dropLast(3))
        for body in [truncated, Array("<html>502 Bad Gateway</html>".utf8), [], json(["detail": "Invalid token."]), json(42)] {
            #expect(throws: MProfiIncoming.DecodeError.self) { try MProfiIncoming.decode(body, defaultCountryCode: "48") }
        }
        do {
            _ = try MProfiIncoming.decode(truncated, defaultCountryCode: "48")
        } catch {
            #expect(error.description.hasPrefix("not JSON: "))
        }
        do {
            _ = try MProfiIncoming.decode(json(["detail": "Invalid token."]), defaultCountryCode: "48")
        } catch {
            #expect(error.description.contains("expected a JSON array of messages"))
            #expect(error.description.contains("Invalid token."))
        }
    }

    @Test func entriesWithMissingOrWrongFieldsAreNamedAndTheRestKept() throws {
        let decoded = try MProfiIncoming.decode(json([
            entry(id: 1, sender: nil, ts: nil),
            entry(id: 2),
            entry(message: nil),
            entry(id: 3, recipient: "8080"),
            "not an entry",
            entry(id: 4, sender: true),
        ]), defaultCountryCode: "48")
        #expect(decoded.messages.map(\.id) == ["2"])
        #expect(decoded.rejected == [
            "message id 1: sender missing, ts missing",
            "entry 3: message missing",
            "message id 3: recipient \"8080\" is not a phone number",
            "entry 5: not an object",
            "message id 4: sender missing",
        ])
    }

    @Test func withoutAnIdTheFieldsIdentifyAMessage() throws {
        let first = try MProfiIncoming.decode(json([entry(), entry(message: "START")]), defaultCountryCode: "48").messages
        let again = try MProfiIncoming.decode(json([entry()]), defaultCountryCode: "48").messages
        #expect(first.count == 2 && again.count == 1)
        #expect(first[0].id == again[0].id)
        #expect(first[0].id != first[1].id)
        #expect(first[0].id.hasPrefix("sha256:"))
    }

    @Test func numbersAreDigitsWithTheCountryCodeOrNational() {
        #expect(MProfiIncoming.phoneNumber("48600100200", defaultCountryCode: "48") == "+48600100200")
        #expect(MProfiIncoming.phoneNumber("600100200", defaultCountryCode: "48") == "+48600100200")
        #expect(MProfiIncoming.phoneNumber("+48 600 100 200", defaultCountryCode: "48") == "+48600100200")
        #expect(MProfiIncoming.phoneNumber("0600100200", defaultCountryCode: "48") == "+48600100200")
        #expect(MProfiIncoming.phoneNumber("4420794600000", defaultCountryCode: "48") == "+4420794600000")
        #expect(MProfiIncoming.phoneNumber("7255", defaultCountryCode: "48") == nil)
        #expect(MProfiIncoming.phoneNumber("INFO", defaultCountryCode: "48") == nil)
    }
}

private struct Refused: Error {}

/// A provider answering from a script, and a clock the test moves.
private final class FakeMProfi: Sendable {
    struct State {
        var now = Date(timeIntervalSince1970: 1_721_035_805)
        var answers: [(Int, [UInt8])] = []
        var windows: [(from: String, to: String)] = []
        var delivered: [String] = []
        var refuse: Set<String> = []
    }

    let state = Mutex(State())

    func poller(resumeAt: Date? = nil, maxSpan: Duration = .seconds(3600)) -> MProfiPoller {
        MProfiPoller(baseURL: "https://mprofi.test/1.0", apiKey: "k", defaultCountryCode: "48", resumeAt: resumeAt,
                     overlap: .seconds(60), maxSpan: maxSpan, clock: { self.state.withLock { $0.now } },
                     fetch: { request in
                         let body = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: String] ?? [:]
                         return self.state.withLock { state in
                             state.windows.append((body["date_from"] ?? "?", body["date_to"] ?? "?"))
                             return state.answers.isEmpty ? (200, json([Any]())) : state.answers.removeFirst()
                         }
                     },
                     deliver: { message in
                         try self.state.withLock { state in
                             if state.refuse.contains(message.id) { throw Refused() }
                             state.delivered.append(message.id)
                         }
                     })
    }

    func answer(_ status: Int, _ entries: [[String: Any]] = []) { answer(status, json(entries)) }
    func answer(_ status: Int, _ body: [UInt8]) { state.withLock { $0.answers.append((status, body)) } }
    func advance(_ seconds: TimeInterval) { state.withLock { $0.now.addTimeInterval(seconds) } }
    var windows: [String] { state.withLock { $0.windows.map { "\($0.from) to \($0.to)" } } }
    var delivered: [String] { state.withLock { $0.delivered } }
}

@Suite struct MProfiPollerTests {
    @Test func windowsOverlapAndAMessageListedAgainIsHandedOnOnce() async throws {
        let fake = FakeMProfi()
        let poller = fake.poller()
        fake.answer(200, [entry(id: 1), entry(id: 2)])
        let first = try await poller.poll()
        #expect(first == .init(listed: 2, handedOn: 2, rejected: []))
        fake.advance(30)
        fake.answer(200, [entry(id: 2), entry(id: 3)])
        let second = try await poller.poll()
        #expect(second == .init(listed: 2, handedOn: 1, rejected: []))
        #expect(fake.delivered == ["1", "2", "3"])
        // The first starts an overlap before the first poll; each next one an overlap before the last end.
        #expect(fake.windows == ["2024-07-15 11:29:05 to 2024-07-15 11:30:05", "2024-07-15 11:29:05 to 2024-07-15 11:30:35"])
    }

    @Test func aFailedPollKeepsItsWindowForTheNext() async throws {
        let fake = FakeMProfi()
        let poller = fake.poller()
        let start = await poller.since
        fake.answer(500)
        await #expect(throws: MProfiPoller.PollError.self) { try await poller.poll() }
        #expect(await poller.since == start)
        fake.advance(10)
        fake.answer(200, Array("<html>maintenance</html>".utf8))
        await #expect(throws: MProfiPoller.PollError.self) { try await poller.poll() }
        fake.advance(10)
        fake.answer(200, [entry(id: 9)])
        #expect(try await poller.poll().handedOn == 1)
        #expect(fake.windows == ["2024-07-15 11:29:05 to 2024-07-15 11:30:05", "2024-07-15 11:29:05 to 2024-07-15 11:30:15",
                                 "2024-07-15 11:29:05 to 2024-07-15 11:30:25"])
        #expect(fake.delivered == ["9"])
    }

    @Test func aMessageThatCannotBeRecordedIsAskedForAgain() async throws {
        let fake = FakeMProfi()
        let poller = fake.poller()
        fake.state.withLock { $0.refuse = ["2"] }
        fake.answer(200, [entry(id: 1), entry(id: 2), entry(id: 3)])
        do {
            _ = try await poller.poll()
            Issue.record("a refused hand-off must fail the poll")
        } catch let error as MProfiPoller.PollError {
            #expect(error.description.contains("mProfi message 2 from +48600100200 not recorded"))
        }
        fake.state.withLock { $0.refuse = [] }
        fake.answer(200, [entry(id: 1), entry(id: 2), entry(id: 3)])
        #expect(try await poller.poll() == .init(listed: 3, handedOn: 2, rejected: []))
        #expect(fake.delivered == ["1", "2", "3"])
        #expect(Set(fake.windows.map { $0.prefix(19) }).count == 1, "the second poll starts where the failed one did")
    }

    @Test func rejectedEntriesAreReportedOnce() async throws {
        let fake = FakeMProfi()
        let poller = fake.poller()
        fake.answer(200, [entry(id: 4, recipient: "8080")])
        #expect(try await poller.poll().rejected == ["message id 4: recipient \"8080\" is not a phone number"])
        fake.answer(200, [entry(id: 4, recipient: "8080")])
        #expect(try await poller.poll().rejected == [])
    }

    @Test func aLongStopIsCaughtUpInBoundedWindows() async throws {
        let fake = FakeMProfi()
        let now = fake.state.withLock { $0.now }
        let poller = fake.poller(resumeAt: now.addingTimeInterval(-2.5 * 3600))
        _ = try await poller.poll()
        #expect(fake.windows == ["2024-07-15 09:00:05 to 2024-07-15 10:00:05", "2024-07-15 09:59:05 to 2024-07-15 10:59:05",
                                 "2024-07-15 10:58:05 to 2024-07-15 11:30:05"])
        #expect(await poller.since == now.addingTimeInterval(-60))
    }

    @Test func aSavedStartIsHonouredForAWeekAtMost() async {
        let fake = FakeMProfi()
        let now = fake.state.withLock { $0.now }
        #expect(await fake.poller(resumeAt: now.addingTimeInterval(-30 * 86_400)).since == now.addingTimeInterval(-7 * 86_400))
        #expect(await fake.poller(resumeAt: now.addingTimeInterval(-600)).since == now.addingTimeInterval(-600))
        #expect(await fake.poller(resumeAt: now.addingTimeInterval(600)).since == now)
    }
}
