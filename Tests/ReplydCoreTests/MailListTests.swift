import Foundation
import ReplydTesting
import Testing
@testable import ReplydCore

@Suite struct MessageTextTests {
    func first(_ text: String) -> String? { MessageText.firstLine(of: Array(text.utf8)) }

    @Test func plainBody() {
        #expect(first("Subject: x\r\n\r\n\r\n  STOP  \r\nthanks\r\n") == "STOP")
        #expect(first("Subject: x\n\nstart\n") == "start")
        #expect(first("Subject: x\r\n\r\n") == nil)
        #expect(first("Subject: x\r\n") == nil)
    }

    @Test func quotedPrintableAndBase64() {
        #expect(first("Content-Transfer-Encoding: quoted-printable\r\n\r\n=50OMOC=\r\n\r\n") == "POMOC")
        #expect(first("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nZa=C5=BC=C3=B3=C5=82=C4=87\r\n") == "Zażółć")
        #expect(first("Content-Transfer-Encoding: base64\r\n\r\n\(Data("STOP\r\n".utf8).base64EncodedString())\r\n") == "STOP")
    }

    @Test func multipartAlternativeAsMailClientsSendIt() {
        let message = """
            MIME-Version: 1.0\r
            Content-Type: multipart/alternative; boundary="000000000000abc"\r
            \r
            --000000000000abc\r
            Content-Type: text/plain; charset="UTF-8"\r
            \r
            Stop\r
            \r
            --000000000000abc\r
            Content-Type: text/html; charset="UTF-8"\r
            \r
            <div dir="ltr">Stop</div>\r
            \r
            --000000000000abc--\r

            """
        #expect(first(message) == "Stop")
        let htmlOnly = "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>STOP</p>\r\n--b--\r\n"
        #expect(first(htmlOnly) == nil)
        #expect(first("Content-Type: text/html\r\n\r\nSTOP\r\n") == nil)
    }
}

@Suite struct MailListPolicyTests {
    let list = MailList(address: "News@Firma.pl", name: "Nowości", welcome: "Witaj!", farewell: "Wypisano.", help: "Pomoc")
    let now = Date(timeIntervalSince1970: 2_000_000)

    func decide(subject: String?, body: String = "hello", headers extra: String = "", sender: String = "ewa@klient.pl",
                facts: SMSFacts = SMSFacts()) -> MailListDecision {
        let headers = "From: Ewa <ewa@klient.pl>\r\nTo: news@firma.pl\r\n" + (subject.map { "Subject: \($0)\r\n" } ?? "") + extra
        let message = TestMessages.inbound(from: sender, to: ["news@firma.pl"], headers: headers, body: body + "\r\n", bare: true, at: now)
        return MailListPolicy.decide(message: message, list: list, facts: facts, now: now)
    }

    @Test func keywordInSubjectOrFirstLine() {
        #expect(list.address == "news@firma.pl")
        #expect(decide(subject: "START").reply == "Witaj!")
        #expect(decide(subject: "Re: Fwd: stop").subscription == .optOut)
        #expect(decide(subject: "Pytanie", body: "\r\n pomoc \r\nreszta").reply == "Pomoc")
        #expect(decide(subject: nil, body: "Nie").intent == .optOut)
    }

    @Test func anythingElseIsNotAnswered() {
        let decision = decide(subject: "Kiedy promocja?", body: "Stop the presses")
        #expect(decision.reply == nil && decision.subscription == nil && decision.reason == "not-a-keyword")
    }

    @Test func automaticMailChangesNothing() {
        for (headers, sender) in [("Auto-Submitted: auto-replied\r\n", "ewa@klient.pl"), ("List-Id: <x.lists.example>\r\n", "ewa@klient.pl"),
                                  ("Precedence: bulk\r\n", "ewa@klient.pl"), ("", ""), ("", "mailer-daemon@klient.pl")] {
            let decision = decide(subject: "STOP", headers: headers, sender: sender)
            #expect(decision.subscription == nil && decision.reply == nil)
            #expect(decision.reason?.hasPrefix("automatic") == true)
        }
    }

    @Test func stopTwiceSendsOneFarewell() {
        #expect(decide(subject: "STOP", facts: SMSFacts(optedOut: true)).reply == nil)
        #expect(decide(subject: "HELP", facts: SMSFacts(optedOut: true)).reply == nil)
        #expect(decide(subject: "START", facts: SMSFacts(optedOut: true)).reply == "Witaj!")
    }
}

@Suite struct MailListConfirmationTests {
    let list = MailList(address: "news@firma.pl", name: "Nowości", welcome: "Witaj!", farewell: "Wypisano.", help: "Pomoc")
    let now = Date(timeIntervalSince1970: 2_000_000)
    let rules = ListConfirmationRules(maxPending: 2, validFor: 86_400)

    func decide(subject: String, recipient: String = "news@firma.pl", facts: SMSFacts = SMSFacts(),
                confirmation: ListConfirmationFacts, headers extra: String = "") -> MailListDecision {
        let headers = "From: Ewa <ewa@klient.pl>\r\nTo: news@firma.pl\r\nSubject: \(subject)\r\n" + extra
        let message = TestMessages.inbound(to: [recipient], headers: headers, bare: true, at: now)
        return MailListPolicy.decide(message: message, list: list, facts: facts,
                                     confirmation: confirmation, rules: rules, now: now)
    }

    @Test func startAsksForConfirmationInsteadOfSubscribing() {
        let decision = decide(subject: "START", confirmation: .init(newToken: "0123456789abcdef"))
        #expect(decision.subscription == nil)
        #expect(decision.confirmation == .request(token: "0123456789abcdef"))
        #expect(decision.reply?.contains("ewa@klient.pl") == true)
    }

    @Test func answeringThePendingTokenSubscribesWithTheWelcome() {
        let facts = ListConfirmationFacts(pendingToken: "0123456789abcdef", pendingSince: now.addingTimeInterval(-60),
                                          presentedToken: "0123456789abcdef", newToken: "ffffffffffffffff")
        let decision = decide(subject: "Re: whatever", confirmation: facts)
        #expect(decision.subscription == .optIn && decision.reply == "Witaj!" && decision.confirmation == .confirmed)
    }

    @Test func wrongExpiredOrAutomaticAnswersDoNothing() {
        let wrong = ListConfirmationFacts(pendingToken: "0123456789abcdef", pendingSince: now, presentedToken: "aaaaaaaaaaaaaaaa", newToken: "f")
        #expect(decide(subject: "Re", confirmation: wrong).reason == "confirmation-unknown-or-expired")
        let expired = ListConfirmationFacts(pendingToken: "0123456789abcdef", pendingSince: now.addingTimeInterval(-90_000),
                                            presentedToken: "0123456789abcdef", newToken: "f")
        #expect(decide(subject: "Re", confirmation: expired).subscription == nil)
        let fine = ListConfirmationFacts(pendingToken: "0123456789abcdef", pendingSince: now, presentedToken: "0123456789abcdef", newToken: "f")
        let automatic = decide(subject: "Re", confirmation: fine, headers: "Auto-Submitted: auto-replied\r\n")
        #expect(automatic.subscription == nil && automatic.reason?.hasPrefix("automatic") == true)
    }

    @Test func stopInAnswerDeclinesAndOldStyleAutorespondersConfirmNothing() {
        let fine = ListConfirmationFacts(pendingToken: "0123456789abcdef", pendingSince: now, presentedToken: "0123456789abcdef", newToken: "f")
        let declined = decide(subject: "STOP", confirmation: fine)
        #expect(declined.subscription == nil && declined.confirmation == .declined && declined.reply == nil)
        for header in ["X-Autoreply: yes\r\n", "Precedence: auto_reply\r\n"] {
            #expect(decide(subject: "Re", confirmation: fine, headers: header).subscription == nil)
        }
    }

    @Test func oneConfirmationAtATimeAndACapPerList() {
        let pending = ListConfirmationFacts(pendingToken: "0123456789abcdef", pendingSince: now.addingTimeInterval(-60), newToken: "f")
        #expect(decide(subject: "START", confirmation: pending).reason == "confirmation-already-pending")
        #expect(decide(subject: "START", confirmation: .init(pendingCount: 2, newToken: "f")).reason == "too-many-pending-confirmations")
        // Subscribed already: no confirmation at all.
        #expect(decide(subject: "START", facts: SMSFacts(subscribed: true), confirmation: .init(newToken: "f")).reason == "already-subscribed")
    }

    @Test func tokenIsReadFromTheTaggedAddressOrTheSubject() {
        #expect(MailListPolicy.presentedToken(recipient: "news+confirm-0123456789ABCDEF@firma.pl", subject: nil) == "0123456789abcdef")
        #expect(MailListPolicy.presentedToken(recipient: "news@firma.pl", subject: "Re: Confirm (confirm-0123456789abcdef)") == "0123456789abcdef")
        #expect(MailListPolicy.presentedToken(recipient: "news@firma.pl", subject: "confirm-123") == nil)
        #expect(MailListPolicy.confirmationAddress(list: list, token: "00ff", delimiter: "+") == "news+confirm-00ff@firma.pl")
    }
}
