import Testing
@testable import ReplydCore

@Suite struct SMSTextTests {
    @Test func gsm7LimitsAndExtensionCharacters() {
        #expect(SMSText.analyse(String(repeating: "a", count: 160)) == .init(encoding: .gsm7, units: 160, parts: 1, nonGSMCharacters: []))
        #expect(SMSText.analyse(String(repeating: "a", count: 161)).parts == 2)
        #expect(SMSText.analyse(String(repeating: "a", count: 306)).parts == 2)
        #expect(SMSText.analyse(String(repeating: "a", count: 307)).parts == 3)
        // € and { take two septets each.
        #expect(SMSText.analyse("€{").units == 4)
        #expect(SMSText.analyse(String(repeating: "€", count: 80)).parts == 1)
        #expect(SMSText.analyse(String(repeating: "€", count: 81)).parts == 2)
        #expect(SMSText.analyse("").parts == 1)
    }

    @Test func polishForcesUCS2UnlessTransliterated() {
        let text = "Zażółć gęślą jaźń"
        let analysis = SMSText.analyse(text)
        #expect(analysis.encoding == .ucs2)
        // GSM-7 has ò but not ó.
        #expect(analysis.nonGSMCharacters == ["ż", "ó", "ł", "ć", "ę", "ś", "ą", "ź", "ń"])
        #expect(SMSText.transliteratePolish(text) == "Zazolc gesla jazn")
        #expect(SMSText.analyse(SMSText.transliteratePolish(text)).encoding == .gsm7)
        #expect(SMSText.analyse(String(repeating: "ą", count: 70)).parts == 1)
        #expect(SMSText.analyse(String(repeating: "ą", count: 71)).parts == 2)
        #expect(SMSText.analyse(String(repeating: "ą", count: 134)).parts == 2)
        #expect(SMSText.analyse(String(repeating: "ą", count: 135)).parts == 3)
        #expect(SMSText.analyse("😀").units == 2)
    }
}

@Suite struct SMSKeywordTests {
    @Test func wholeMessageKeywords() {
        let keywords = SMSKeywords.standard
        for word in ["STOP", "stop", " Stop\n", "STOP.", "unsubscribe", "nie", "NIE", "Nié"] {
            #expect(keywords.intent(of: word) == .optOut, "\(word)")
        }
        for word in ["START", "yes", "unstop", "Tak"] { #expect(keywords.intent(of: word) == .optIn, "\(word)") }
        for word in ["HELP", "info", "pomoc", "PÓMOC"] { #expect(keywords.intent(of: word) == .help, "\(word)") }
        for text in ["STOP PLEASE", "please stop", "STOPP", "", "start now"] { #expect(keywords.intent(of: text) == .message, "\(text)") }
    }

    @Test func customListsAndOptOutWins() {
        let keywords = SMSKeywords(optOut: ["koniec", "X"], optIn: ["x", "dalej"], help: [])
        #expect(keywords.intent(of: "KONIEC") == .optOut)
        #expect(keywords.intent(of: "x") == .optOut)
        #expect(keywords.intent(of: "Dalej") == .optIn)
        #expect(keywords.intent(of: "STOP") == .message)
    }
}

@Suite struct PhoneNumberTests {
    @Test func normalisesToE164() {
        #expect(PhoneNumber.e164("+48 600-100-200", defaultCountryCode: "48") == "+48600100200")
        #expect(PhoneNumber.e164("0048600100200", defaultCountryCode: nil) == "+48600100200")
        #expect(PhoneNumber.e164("600 100 200", defaultCountryCode: "48") == "+48600100200")
        #expect(PhoneNumber.e164("(0) 600100200", defaultCountryCode: "48") == "+48600100200")
        #expect(PhoneNumber.e164("600100200", defaultCountryCode: nil) == nil)
        #expect(PhoneNumber.e164("+12349013030", defaultCountryCode: "48") == "+12349013030")
        #expect(PhoneNumber.e164("+0123456789", defaultCountryCode: nil) == nil)
        #expect(PhoneNumber.e164("call me", defaultCountryCode: "48") == nil)
        #expect(PhoneNumber.e164("+1234567890123456", defaultCountryCode: nil) == nil)
    }
}
