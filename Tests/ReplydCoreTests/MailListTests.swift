import Foundation
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
        let reverse: SMTPCommand.ReversePath = sender.isEmpty ? .null : .mailbox(try! MailAddress.parse(Substring(sender)).get())
        let headers = "From: Ewa <ewa@klient.pl>\r\nTo: news@firma.pl\r\n" + (subject.map { "Subject: \($0)\r\n" } ?? "") + extra
        let received = ReceivedMessage(reversePath: reverse, recipients: ["news@firma.pl"], helo: "h", esmtp: true,
                                       remoteAddress: "192.0.2.1", tls: nil, body8bit: false, smtputf8: false,
                                       data: Array((headers + "\r\n" + body + "\r\n").utf8))
        return MailListPolicy.decide(message: InboundMessage(received: received, receivedAt: now), list: list, facts: facts, now: now)
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
