import Foundation
import Testing
@testable import ReplydCore
import ReplydTesting

@Suite struct NotificationPolicyTests {
    /// 2026-11-25 14:00 UTC = 15:00 in Warsaw: outside quiet hours.
    let noon = Date(timeIntervalSince1970: 1_795_615_200)
    let rules = NotificationRules()

    func request(_ preference: ChannelPreference? = nil, email: String? = "ola@klient.pl", phone: String? = "+48600100200",
                 force: Bool = false) -> NotificationRequest {
        NotificationRequest(orderID: "A-1", event: "shipped",
                            customer: Customer(name: "Ola", email: email, phone: phone, channelPreference: preference), force: force)
    }

    func decide(_ request: NotificationRequest, _ facts: NotificationFacts = NotificationFacts(), rules: NotificationRules? = nil,
                at now: Date? = nil) -> NotificationDecision {
        NotificationPolicy.decide(request, facts: facts, rules: rules ?? self.rules, now: now ?? noon)
    }

    @Test func duplicateEventIsRefusedUnlessForced() {
        #expect(decide(request(), NotificationFacts(eventAlreadySent: true)).outcome == .duplicate)
        #expect(decide(request(force: true), NotificationFacts(eventAlreadySent: true)).outcome == .send(channels: [.sms], at: noon))
    }

    @Test func perOrderLimitBothWays() {
        #expect(decide(request(), NotificationFacts(sentForOrder: 3)).outcome == .send(channels: [.sms], at: noon))
        guard case .held(let reason) = decide(request(), NotificationFacts(sentForOrder: 4)).outcome else {
            Issue.record("the fifth notification of an order must be held back")
            return
        }
        #expect(reason.hasPrefix("order-limit"))
    }

    @Test func channelChoice() {
        #expect(decide(request()).outcome == .send(channels: [.sms], at: noon))
        #expect(decide(request(.email)).outcome == .send(channels: [.email], at: noon))
        #expect(decide(request(.both)).outcome == .send(channels: [.sms, .email], at: noon))
        // No preference: falls back when the default channel has no address or is opted out.
        let noPhone = decide(request(phone: nil))
        #expect(noPhone.outcome == .send(channels: [.email], at: noon) && noPhone.notes == ["no-sms-address: e-mail instead"])
        let optedOut = decide(request(), NotificationFacts(smsOptedOut: true))
        #expect(optedOut.outcome == .send(channels: [.email], at: noon) && optedOut.notes == ["sms-opted-out: e-mail instead"])
        #expect(decide(request(.both), NotificationFacts(smsOptedOut: true)).outcome == .send(channels: [.email], at: noon))
        // An explicit single channel never falls back.
        #expect(decide(request(.sms), NotificationFacts(smsOptedOut: true)).outcome == .held(reason: "sms-opted-out"))
        #expect(decide(request(.email, email: nil)).outcome == .held(reason: "no-email-address"))
        #expect(decide(request(phone: nil), NotificationFacts(), rules: NotificationRules(available: [.sms])).outcome
            == .held(reason: "no-sms-address, email-not-configured"))
    }

    @Test func minimumGapBothWays() {
        let justBefore = NotificationFacts(lastToCustomer: noon.addingTimeInterval(-10 * 60))
        let delayed = decide(request(), justBefore)
        #expect(delayed.outcome == .send(channels: [.sms], at: noon.addingTimeInterval(20 * 60)))
        #expect(delayed.notes.first?.hasPrefix("min-gap") == true)
        let longAgo = NotificationFacts(lastToCustomer: noon.addingTimeInterval(-31 * 60))
        #expect(decide(request(), longAgo).outcome == .send(channels: [.sms], at: noon))
    }

    @Test func quietHoursBothWays() throws {
        // 22:30 in Warsaw (21:30 UTC in November): queued until 08:00 local = 07:00 UTC.
        let evening = Date(timeIntervalSince1970: 1_795_642_200)
        let decision = decide(request(), at: evening)
        #expect(decision.outcome == .send(channels: [.sms], at: Date(timeIntervalSince1970: 1_795_676_400)))
        #expect(decision.notes.first?.hasPrefix("quiet-hours") == true)
        // 20:59 local is still allowed.
        let before = Date(timeIntervalSince1970: 1_795_636_740)
        #expect(decide(request(), at: before).outcome == .send(channels: [.sms], at: before))
        // The customer's own zone wins over the site's.
        var tokyo = request()
        tokyo.customer.timeZone = "Asia/Tokyo"
        // 23:00 in Tokyo: queued until 08:00 there, 23:00 UTC.
        #expect(decide(tokyo, at: noon).outcome == .send(channels: [.sms], at: noon.addingTimeInterval(9 * 3600)))
    }
}

@Suite struct QuietHoursTests {
    let window = QuietHours.parse("21:00-08:00")!
    let warsaw = TimeZone(identifier: "Europe/Warsaw")!

    func utc(_ text: String) -> Date { try! Date(text, strategy: Date.ISO8601FormatStyle()) }

    @Test func parsing() {
        #expect(QuietHours.parse("21:00-08:00") == QuietHours(start: 1260, end: 480))
        #expect(QuietHours.parse("13:30-14:00")?.description == "13:30-14:00")
        for bad in ["", "21-8", "25:00-08:00", "21:00-21:00", "21:00"] { #expect(QuietHours.parse(bad) == nil, "\(bad)") }
    }

    @Test func acrossMidnightWhenTheClocksGoForward() {
        // Night of 28/29 March 2026: Warsaw goes from UTC+1 to UTC+2 at 02:00.
        #expect(window.nextAllowed(after: utc("2026-03-28T21:30:00Z"), in: warsaw) == utc("2026-03-29T06:00:00Z"))  // 22:30 CET -> 08:00 CEST
        #expect(window.nextAllowed(after: utc("2026-03-29T01:30:00Z"), in: warsaw) == utc("2026-03-29T06:00:00Z"))  // 03:30 CEST
        #expect(window.nextAllowed(after: utc("2026-03-29T06:00:00Z"), in: warsaw) == utc("2026-03-29T06:00:00Z"))  // 08:00 sharp: open
    }

    @Test func acrossMidnightWhenTheClocksGoBack() {
        // Night of 24/25 October 2026: UTC+2 to UTC+1 at 03:00; the night is an hour longer.
        #expect(window.nextAllowed(after: utc("2026-10-24T20:00:00Z"), in: warsaw) == utc("2026-10-25T07:00:00Z"))  // 22:00 CEST -> 08:00 CET
        #expect(window.nextAllowed(after: utc("2026-10-25T00:30:00Z"), in: warsaw) == utc("2026-10-25T07:00:00Z"))  // 02:30 CEST, first pass
        #expect(window.nextAllowed(after: utc("2026-10-25T01:30:00Z"), in: warsaw) == utc("2026-10-25T07:00:00Z"))  // 02:30 CET, second pass
        #expect(window.nextAllowed(after: utc("2026-10-24T18:59:00Z"), in: warsaw) == utc("2026-10-24T18:59:00Z"))  // 20:59: open
    }

    @Test func aWindowWithinOneDay() {
        let lunch = QuietHours.parse("12:00-13:00")!
        #expect(lunch.nextAllowed(after: utc("2026-11-25T11:30:00Z"), in: warsaw) == utc("2026-11-25T12:00:00Z"))
        #expect(lunch.nextAllowed(after: utc("2026-11-25T12:00:00Z"), in: warsaw) == utc("2026-11-25T12:00:00Z"))
    }
}

@Suite struct NotificationTemplateTests {
    @Test func everyBuiltInTemplateRendersAndFitsTheLimits() throws {
        for event in NotificationRules.defaultEvents + ["returned"] {
            for locale in NotificationTemplates.locales {
                for channel in NotificationChannel.allCases {
                    let template = NotificationTemplates.builtIn(event: event, channel: channel, locale: locale)
                    #expect(NotificationTemplates.problems(template, channel: channel, maxSMSParts: 3).isEmpty, "\(event) \(channel) \(locale)")
                }
            }
        }
    }

    @Test func essentialsAreInTheText() throws {
        let request = NotificationRequest(orderID: "A-1", event: "shipped", customer: Customer(name: "Aneta"),
                                          data: ["order_number": "1234", "expected_delivery": "3 dni", "tracking_url": "https://t.pl/1",
                                                 "carrier": "InPost"])
        let values = NotificationTemplates.variables(request, locale: "pl", shopName: "Sklep")
        let sms = try NotificationTemplates.render(NotificationTemplates.builtIn(event: "shipped", channel: .sms, locale: "pl").body, values)
        #expect(sms == "Aneta, zamówienie 1234 zostało wysłane (InPost). Dostawa: 3 dni. Śledź: https://t.pl/1")
        let email = NotificationTemplates.builtIn(event: "shipped", channel: .email, locale: "en")
        let subject = try NotificationTemplates.render(email.subject!, NotificationTemplates.variables(request, locale: "en", shopName: "Shop"))
        #expect(subject == "Order 1234: shipped")
    }

    @Test func savedTemplatesAreChecked() {
        let long = NotificationTemplate(body: String(repeating: "ą", count: 250))
        #expect(NotificationTemplates.problems(long, channel: .sms, maxSMSParts: 3)["body"]?.contains("4 SMS parts") == true)
        #expect(NotificationTemplates.problems(NotificationTemplate(body: "{{#x}}"), channel: .sms, maxSMSParts: 3)["body"] != nil)
        #expect(NotificationTemplates.problems(NotificationTemplate(body: "hi"), channel: .email, maxSMSParts: 3)["subject"] != nil)
    }
}

/// The HTML alternative of notification e-mails.
@Suite struct NotificationHTMLTests {
    @Test func theTextBecomesEscapedParagraphsWithLinks() {
        let html = NotificationHTML.paragraphs("Dzień dobry <b>Ola</b> & co,\nśledź: https://track.example/O-1?a=1&b=2.\n\n\nSklep \"Ola\"")
        #expect(html == "<p style=\"margin:0 0 12px;\">Dzień dobry &lt;b&gt;Ola&lt;/b&gt; &amp; co,<br>\n"
                + "śledź: <a href=\"https://track.example/O-1?a=1&amp;b=2\" style=\"color:#2563eb;\">https://track.example/O-1?a=1&amp;b=2</a>.</p>\n"
                + "<p style=\"margin:0 0 12px;\">Sklep &quot;Ola&quot;</p>")
        // A bare scheme is not a link; an address cannot break out of its attribute.
        #expect(NotificationHTML.linked("see https:// now") == "see https:// now")
        #expect(!NotificationHTML.linked("https://x.example/\"onmouseover=alert(1)").contains("\"onmouseover"))
    }

    @Test func theEmailIsMultipartAlternativeWithThePlainTextFirstAndUnchanged() {
        let data = NotificationTemplates.email(fromName: "Sklep", fromAddress: "sklep@example.test", to: "ola@klient.test", customerName: "Ola",
                                               subject: "Wysłano <zamówienie>", body: "Paczka wysłana.\nhttps://t.example/1", messageID: "<1@example.test>",
                                               date: Date(timeIntervalSince1970: 0), shopName: "Sklep <Ola>", locale: "pl")
        let text = String(decoding: data, as: UTF8.self)
        let boundary = text.firstMatch(of: /boundary="([^"]+)"/)!.1
        let parts = text.components(separatedBy: "--\(boundary)")
        #expect(parts.count == 4 && parts[3].hasPrefix("--"))
        #expect(parts[1].contains("Content-Type: text/plain; charset=utf-8") && parts[1].contains("Paczka wys=C5=82ana.\r\nhttps://t.example/1"))
        #expect(parts[2].contains("Content-Type: text/html; charset=utf-8") && parts[2].contains("<html lang=3D\"pl\">"))
        #expect(parts[2].contains("Sklep &lt;Ola&gt;") && parts[2].contains("Wys=C5=82ano &lt;zam=C3=B3wienie&gt;"))
    }

    @Test(arguments: ["<&\"'", "https://a", "x\n\n", "https://", "http", "https://.", "http://a "])
    func linear(unit: String) async {
        let growth = await CPUCost.growth(input: { CPUCost.repeated(unit, toBytes: $0) }) { _ = NotificationHTML.paragraphs($0) }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }
}
