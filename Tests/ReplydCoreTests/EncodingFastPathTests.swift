import Foundation
import Testing
@testable import ReplydCore

/// The hand-written encoders on the message path give exactly what the general-purpose ones did.
struct EncodingFastPathTests {
    /// What `MIMEEncoding.date` computed with `Calendar` before it did the arithmetic itself.
    static func calendarDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        return "\(days[c.weekday! - 1]), \(c.day!) \(months[c.month! - 1]) \(c.year!) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    @Test(arguments: [
        0, -1, 0.999, -0.5, 59, 86_399, 86_400, 951_782_400 /* 2000-02-29 */, 951_868_799, 4_107_542_400 /* 2100-03-01 */,
        1_796_573_180.25 /* 2026-12-06 */, -2_208_988_800 /* 1900-01-01 */, 253_402_300_799 /* 9999-12-31 23:59:59 */,
    ])
    func rfc5322DateAgreesWithTheCalendar(at seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(MIMEEncoding.date(date) == Self.calendarDate(date))
    }

    @Test func rfc5322DateAgreesWithTheCalendarOverFourCenturies() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: -6_000_000_000...7_000_000_000, using: &generator).rounded(.down))
            #expect(MIMEEncoding.date(date) == Self.calendarDate(date), "\(date.timeIntervalSince1970)")
        }
        #expect(MIMEEncoding.date(Date(timeIntervalSince1970: 1_796_573_180)) == "Sun, 6 Dec 2026 16:06:20 +0000")
    }

    @Test func iso8601AgreesWithTheFormatStyle() {
        var generator = SystemRandomNumberGenerator()
        var dates = [0, 0.999, 59.9999, 951_782_400, 4_107_542_399.9999].map(Date.init(timeIntervalSince1970:))
        for _ in 0..<2_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: 0...7_000_000_000, using: &generator))) }
        for date in dates {
            #expect(VacationPolicy.iso(date) == date.formatted(Date.ISO8601FormatStyle()), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func ruleChecksReadBackAsWritten() throws {
        let awkward = "\"quoted\" back\\slash /slash\n\r\t\u{0}\u{1}\u{1F}\u{7F} zażółć 🙂 \u{2028}"
        let checks = [RuleCheck(rule: .nullSender, passed: true, detail: awkward),
                      RuleCheck(rule: .spf, passed: false, detail: ""),
                      RuleCheck(rule: .alreadyReplied, passed: true, detail: String(repeating: "x", count: 1_000))]
        for list in [checks, [], [checks[0]]] {
            let text = RuleCheck.json(list)
            #expect(try JSONDecoder().decode([RuleCheck].self, from: Data(text.utf8)) == list)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
            #expect(object.count == list.count)
        }
        #expect(RuleCheck.json([RuleCheck(rule: .nullSender, passed: false, detail: "a\"b\u{1}")])
                == #"[{"rule":"null-sender","passed":false,"detail":"a\"b\u0001"}]"#)
    }

    @Test func traceFieldsAreWrittenWhenTheMessageIsBuilt() {
        var received = ReceivedMessage(reversePath: .null, recipients: ["jan@firma.pl"], helo: "mail (evil) <x>;", esmtp: true,
                                       remoteAddress: "192.0.2.7", tls: nil, body8bit: false, smtputf8: false,
                                       data: Array("Subject: x\r\n\r\nhi\r\n".utf8))
        received.receivedBy = "mx.firma.pl"
        let message = InboundMessage(received: received, receivedAt: Date(timeIntervalSince1970: 1_796_573_180))
        #expect(message.traceFields == TraceFields.fields(for: message, by: "mx.firma.pl"))
        #expect(message.traceFields?.hasPrefix("Received: from mailevilx (192.0.2.7)") == false)
        #expect(message.traceFields?.hasPrefix("Received: from mailevilx ([192.0.2.7])") == true)
        received.receivedBy = nil
        #expect(InboundMessage(received: received, receivedAt: Date()).traceFields == nil)
    }
}

extension EncodingFastPathTests {
    @Test func receivedSPFQuotesBackslashesAndQuotationMarksOnly() throws {
        let result = SPFResult(code: .pass, identity: .mailfrom, domain: "klient.pl", detail: "")
        let ip = try #require(IPAddress("192.0.2.7"))
        let text = result.receivedSPF(ip: ip, sender: "a\"b\\c\\\u{301}@klient.pl", helo: "h\"", receiver: "mx")
        #expect(text.contains(#"envelope-from="a\"b\\c\\\#u{301}@klient.pl"; helo="h\""; "#), "\(text)")
    }
}
