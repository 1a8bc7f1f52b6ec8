import Foundation
import Testing
@testable import ReplydCore

@Suite struct ReplyComposerTests {
    func compose(headers: String, vacation: Vacation? = nil, internalSender: Bool = false) -> ReplyComposer.Reply {
        var policyCase = PolicyCase()
        policyCase.headers = headers
        let vacation = vacation ?? Vacation(
            mailbox: "jan@firma.pl", ownerName: "Jan Kowalski", start: Date(timeIntervalSince1970: 1_798_761_600),
            end: Date(timeIntervalSince1970: 1_799_971_200), timeZone: "Europe/Warsaw", locale: "pl",
            message: "Dzień dobry {{sender_name}},\nwracam {{end}}.\nTemat: {{original_subject}}\nZażółć gęślą jaźń\n",
            internalMessage: "Cześć, wracam {{end}}.", deputyName: "Anna", deputyAddress: "anna@firma.pl")
        let plan = ReplyPlan(recipient: "ewa@klient.pl", mailbox: vacation.mailbox, internalSender: internalSender,
                             responseID: vacation.responseID, days: 7)
        return ReplyComposer.compose(plan: plan, vacation: vacation, message: policyCase.message,
                                     messageID: "<r1@replyd.test>", date: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test(arguments: [
        ("From: Ewa Nowak <ewa@klient.pl>\r\n", "To: Ewa Nowak <ewa@klient.pl>"),
        ("From: Biuro <biuro@klient.pl>\r\nSender: Ewa Nowak <EWA@klient.pl>\r\n", "To: Ewa Nowak <ewa@klient.pl>"),
        ("From: Biuro <biuro@klient.pl>\r\nResent-From: \"Nowak, Ewa\" <ewa@klient.pl>\r\n", "To: \"Nowak, Ewa\" <ewa@klient.pl>"),
        ("From: Biuro <biuro@klient.pl>\r\n", "To: <ewa@klient.pl>"),
        ("From: ewa@klient.pl\r\n", "To: <ewa@klient.pl>"),
    ])
    func theReplyKeepsTheSendersDisplayNameWhenTheirHeaderNamesTheEnvelopeSender(headers: String, to: String) {
        #expect(headerBlock(compose(headers: headers + "Subject: s\r\n")).contains(to))
    }

    func headerBlock(_ reply: ReplyComposer.Reply) -> [String] {
        let text = String(decoding: reply.data, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        return head.components(separatedBy: "\r\n")
    }

    @Test func repliesCarryTheRFC3834Headers() throws {
        let reply = compose(headers: "From: \"Ewa Zając\" <ewa@klient.pl>\r\nSubject: Faktura 12\r\nMessage-ID: <m1@klient.pl>\r\nReferences: <m0@klient.pl>\r\n")
        let lines = headerBlock(reply)
        #expect(lines.contains("From: Jan Kowalski <jan@firma.pl>"))
        // The From that names the envelope sender gives the To its display name (RFC 2047-encoded).
        let to = try #require(HeaderFields.parse(reply.data).first("To"))
        #expect(to.lowercased().hasPrefix("=?utf-8?"))
        #expect(AddressList.mailboxes(in: to).map { "\($0.name ?? "") <\($0.address)>" } == ["Ewa Zając <ewa@klient.pl>"])
        #expect(lines.contains("Subject: Auto: Faktura 12"))
        #expect(lines.contains("Message-ID: <r1@replyd.test>"))
        #expect(lines.contains("In-Reply-To: <m1@klient.pl>"))
        #expect(lines.contains("References: <m0@klient.pl> <m1@klient.pl>"))
        #expect(lines.contains("Auto-Submitted: auto-replied"))
        #expect(lines.contains("Date: Fri, 15 Jan 2027 08:00:00 +0000"))
        #expect(lines.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(lines.contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(reply.envelopeSender == "")
    }

    @Test func ownerNameIsEncodedApartFromTheAddress() throws {
        let polish = Vacation(mailbox: "jan@firma.pl", ownerName: "Łukasz Żółkiewski", start: .now, message: "x")
        let lines = headerBlock(compose(headers: "Subject: x\r\n", vacation: polish))
        let start = try #require(lines.firstIndex { $0.hasPrefix("From: ") })
        let from = lines[start...].prefix { $0 == lines[start] || $0.hasPrefix(" ") }
        #expect(from.last == " <jan@firma.pl>")
        #expect(EncodedWords.decode(from.dropLast().joined().replacingOccurrences(of: "From: ", with: "")) == "Łukasz Żółkiewski")
        let quoted = Vacation(mailbox: "jan@firma.pl", ownerName: "Kowalski, Jan", start: .now, message: "x")
        #expect(headerBlock(compose(headers: "Subject: x\r\n", vacation: quoted)).contains("From: \"Kowalski, Jan\" <jan@firma.pl>"))
    }

    @Test func noMessageIDMeansNoThreadingHeaders() {
        let lines = headerBlock(compose(headers: "Subject: x\r\n"))
        #expect(!lines.contains { $0.hasPrefix("In-Reply-To") || $0.hasPrefix("References") })
    }

    @Test func noSubjectGivesLocalisedDefault() {
        #expect(compose(headers: "To: jan@firma.pl\r\n").subject == "Automatyczna odpowiedź")
        let english = Vacation(mailbox: "jan@firma.pl", start: .now, locale: "en", message: "x")
        #expect(compose(headers: "To: jan@firma.pl\r\n", vacation: english).subject == "Automated reply")
    }

    @Test func templateVariablesAndPolishDates() {
        let reply = compose(headers: "From: =?UTF-8?Q?Ewa_Zaj=C4=85c?= <ewa@klient.pl>\r\nSubject: Umowa\r\n")
        #expect(reply.body == "Dzień dobry Ewa Zając,\nwracam 15 stycznia 2027 o 1:00.\nTemat: Umowa\nZażółć gęślą jaźń\n")
        #expect(compose(headers: "Subject: x\r\n", internalSender: true).body == "Cześć, wracam 15 stycznia 2027 o 1:00.\n")
    }

    @Test func valuesAreNotHTMLEscaped() {
        let reply = compose(headers: "From: \"A & B <co>\" <ewa@klient.pl>\r\nSubject: <b>&</b>\r\n")
        #expect(reply.body.contains("Dzień dobry A & B <co>,"))
        #expect(reply.body.contains("Temat: <b>&</b>"))
    }

    @Test func bodyDecodesBackByteExact() throws {
        let reply = compose(headers: "Subject: x\r\n")
        let text = String(decoding: reply.data, as: UTF8.self)
        let encoded = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        for line in encoded.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 76) }
        let decoded = try #require(QuotedPrintableDecoder.decode(encoded))
        #expect(decoded == Array(reply.body.replacingOccurrences(of: "\n", with: "\r\n").utf8))
    }

    @Test func nonASCIISubjectIsEncodedAndFolded() throws {
        let long = String(repeating: "Zażółć gęślą jaźń ", count: 8)
        let reply = compose(headers: "Subject: \(long)\r\n")
        let subjectLines = headerBlock(reply).drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 1)
        for line in subjectLines { #expect(line.count <= 76) }
        let value = subjectLines.joined().dropFirst("Subject: ".count)
        #expect(EncodedWords.decode(String(value)) == "Auto: " + long.trimmingCharacters(in: .whitespaces))
    }

    /// Property: no byte sequence in the inbound Subject or From reaches the reply as a header line.
    @Test func inboundTextNeverInjectsHeaders() {
        var generator = SplitMix64(seed: 42)
        let pieces = ["\r\n", "\n", "\r", "Bcc: victim@evil.test", ":", " ", "=?UTF-8?B?DQpCY2M6IGV2aWxAZXZpbC50ZXN0?=",
                      "\u{2028}", "\u{0085}", "\t", "ż", "<", ">", "\"", "=?UTF-8?Q?=0D=0ABcc:_x@evil.test?="]
        for _ in 0..<1500 {
            let junk = (0..<Int(1 + generator.next() % 8)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            // The header parser unfolds, so inject through an encoded word and through raw folding.
            let reply = compose(headers: "From: \(junk) <ewa@klient.pl>\r\nSubject: \(junk)\r\nMessage-ID: <\(junk)@x>\r\n")
            let lines = headerBlock(reply)
            #expect(!lines.contains { $0.lowercased().hasPrefix("bcc") }, "\(junk.debugDescription)")
            for line in lines where !line.hasPrefix(" ") {
                let name = line.prefix { $0 != ":" }
                #expect(["From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted", "Precedence",
                         "X-Auto-Response-Suppress", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"].contains(String(name)),
                        "unexpected header line \(line.debugDescription)")
            }
        }
    }

    @Test func brokenTemplatesAreRefused() {
        let broken = Vacation(mailbox: "a@b.pl", start: .now, message: "Hi {{#open}} never closed")
        #expect(throws: ReplyComposer.TemplateError.self) { try ReplyComposer.validate(broken) }
        let empty = Vacation(mailbox: "a@b.pl", start: .now, message: "  \n")
        #expect(throws: ReplyComposer.TemplateError.self) { try ReplyComposer.validate(empty) }
        let badSubject = Vacation(mailbox: "a@b.pl", start: .now, subject: "{{/x}}", message: "ok")
        #expect(throws: ReplyComposer.TemplateError.self) { try ReplyComposer.validate(badSubject) }
        #expect(throws: Never.self) { try ReplyComposer.validate(Vacation(mailbox: "a@b.pl", start: .now, message: "{{sender_name}}")) }
    }
}

/// A strict quoted-printable decoder for the tests (RFC 2045 6.7).
enum QuotedPrintableDecoder {
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "=") {
                if index + 2 < bytes.count + 1, index + 2 <= bytes.count - 1 || index + 2 == bytes.count {
                    if index + 2 < bytes.count, bytes[index + 1] == 13, bytes[index + 2] == 10 { index += 3; continue }
                }
                guard index + 2 < bytes.count, let hi = EncodedWords.hexValue(bytes[index + 1]),
                      let lo = EncodedWords.hexValue(bytes[index + 2]) else { return nil }
                out.append(hi << 4 | lo)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }
}

@Suite struct AddressListTests {
    @Test func extractsAddresses() {
        #expect(AddressList.addresses(in: "\"Kowalski, Jan\" <Jan@Firma.pl>, ola@firma.pl (Ola), undisclosed-recipients:;")
                == ["jan@firma.pl", "ola@firma.pl"])
        #expect(AddressList.addresses(in: "Team: a@x.pl, B <b@x.pl>;, c@x.pl") == ["a@x.pl", "b@x.pl", "c@x.pl"])
        #expect(AddressList.addresses(in: "<@route.pl:d@x.pl>") == ["d@x.pl"])
        #expect(AddressList.addresses(in: "no address here") == [])
        #expect(AddressList.mailboxes(in: "=?UTF-8?Q?Pawe=C5=82?= <p@x.pl>").first?.name == "Paweł")
    }
}

@Suite struct ContactsCSVTests {
    @Test func importsGoodRowsAndReportsBadOnes() {
        let result = ContactsCSV.parse("""
            name,email
            "Kowalski, Jan",Jan@Firma.pl
            Ola,not-an-address
            ,+48 600-100-200

            "Broken ""quote",x@y.pl,extra
            Anna,anna@firma.pl
            """)
        #expect(result.contacts == [.init(address: "jan@firma.pl", name: "Kowalski, Jan"),
                                    .init(address: "+48600100200", name: nil),
                                    .init(address: "anna@firma.pl", name: "Anna")])
        #expect(result.problems.map(\.line) == [3, 6])
    }

    @Test func needsAnAddressColumn() {
        #expect(ContactsCSV.parse("name,city\nA,B").problems.first?.line == 1)
        #expect(ContactsCSV.parse("").problems.count == 1)
    }

}

/// Parity with Dovecot Pigeonhole's vacation tests (tests/extensions/vacation/*.svtest).
extension ReplyComposerTests {
    @Test func theWholeSubjectIsCappedAt256CodePoints() {
        // message.svtest "Extremely long subject": the cut falls before "Mauris".
        let long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Ut lacinia scelerisque porttitor. "
            + String(repeating: "Vivamus nec nisl at erat aliquet pulvinar. ", count: 4) + "Mauris ut magna."
        let subject = compose(headers: "From: ewa@klient.pl\r\nSubject: \(long)\r\n").subject
        #expect(subject.hasPrefix("Auto: Lorem") && subject.contains("Ut lacinia scelerisque porttitor.") && !subject.contains("Mauris"))
        #expect(subject.unicodeScalars.count == 256 && subject.hasSuffix("…"))
        var templated = Vacation(mailbox: "jan@firma.pl", start: .distantPast, message: "x")
        templated.subject = String(repeating: "Ü", count: 300)
        #expect(compose(headers: "From: ewa@klient.pl\r\nSubject: s\r\n", vacation: templated).subject.unicodeScalars.count == 256)
    }

    @Test func precedenceBulkAndReferencesWithoutAMessageID() {
        let lines = headerBlock(compose(headers: "From: ewa@klient.pl\r\nSubject: s\r\nReferences: <a@b.pl>\r\n"))
        #expect(lines.contains("Precedence: bulk") && lines.contains("Auto-Submitted: auto-replied"))
        #expect(lines.contains("References: <a@b.pl>") && !lines.contains { $0.hasPrefix("In-Reply-To:") })
        #expect(!headerBlock(compose(headers: "From: ewa@klient.pl\r\nSubject: s\r\n")).contains { $0.hasPrefix("References:") })
    }

    @Test func senderThenResentFromThenFromNameTheRecipient() {
        // message.svtest: Sender is looked at before From.
        let lines = headerBlock(compose(headers: "From: A <ewa@klient.pl>\r\nSender: B <ewa@klient.pl>\r\nSubject: s\r\n"))
        #expect(lines.contains("To: B <ewa@klient.pl>"))
    }

    @Test func requestAddressesAnywhereInTheLocalPartAreAutomated() {
        #expect(AutomatedSenders.reason(for: "list-request-bounces@example.org") != nil)
        #expect(AutomatedSenders.reason(for: "dovecot-request@dovecot.org") != nil)
        #expect(AutomatedSenders.reason(for: "requests@example.org") == nil)
    }

    @Test func anEncodedSubjectIsStoredAsItsText() throws {
        // utf-8.svtest: readers see "ÄÖÜ sadasd", not the encoded word.
        let site = VacationForm.Site(localDomains: ["firma.pl"], maxDays: 30)
        let vacation = try VacationForm(subject: "=?utf-8?b?w4TDlsOc?= sadasd", message: "x").validate(mailbox: "jan@firma.pl", site: site, now: .now).get()
        #expect(vacation.subject == "ÄÖÜ sadasd")
    }
}
