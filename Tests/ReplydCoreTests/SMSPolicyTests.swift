import Foundation
import Testing
@testable import ReplydCore

@Suite struct SMSPolicyTests {
    let list = SMSList(number: "+48500100200", name: "promo", welcome: "Witaj w klubie!", farewell: "Wypisano. Odpisz START, aby wrócić.",
                       help: "Pomoc: 500 100 200", autoreply: "Dziękujemy za wiadomość.")
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func decide(_ text: String, _ facts: SMSFacts = SMSFacts(), list: SMSList? = nil) -> SMSDecision {
        SMSPolicy.decide(text: text, list: list ?? self.list, facts: facts, now: now)
    }

    @Test func stopRecordsOptOutAndSendsOneFarewell() {
        let first = decide("STOP")
        #expect(first.subscription == .optOut)
        #expect(first.reply == "Wypisano. Odpisz START, aby wrócić.")
        let again = decide("stop", SMSFacts(optedOut: true))
        #expect(again.subscription == .optOut)
        #expect(again.reply == nil)
        #expect(again.reason == .alreadyOptedOut)
        #expect(decide("NIE").subscription == .optOut)
    }

    @Test func afterStopOnlyStartIsAnswered() {
        let optedOut = SMSFacts(optedOut: true)
        #expect(decide("HELP", optedOut).reason == .optedOut)
        #expect(decide("Kiedy promocja?", optedOut).reason == .optedOut)
        let start = decide("START", optedOut)
        #expect(start.subscription == .optIn)
        #expect(start.reply == "Witaj w klubie!")
        #expect(decide("tak", optedOut).subscription == .optIn)
    }

    @Test func helpAndAutoreplyWithPeriod() {
        #expect(decide("pomoc").reply == "Pomoc: 500 100 200")
        #expect(decide("Kiedy promocja?").reply == "Dziękujemy za wiadomość.")
        #expect(decide("STOP PLEASE").reply == "Dziękujemy za wiadomość.")  // not a keyword
        let recent = SMSFacts(lastAutoreplyAt: now.addingTimeInterval(-86_400))
        #expect(decide("Halo?", recent).reason == .alreadyReplied)
        let old = SMSFacts(lastAutoreplyAt: now.addingTimeInterval(-7 * 86_400))
        #expect(decide("Halo?", old).reply != nil)
    }

    @Test func subscribersOnlyAndNoAutoreply() {
        var members = list
        members.subscribersOnly = true
        #expect(decide("Halo?", list: members).reason == .notSubscribed)
        #expect(decide("Halo?", SMSFacts(subscribed: true), list: members).reply != nil)
        var silent = list
        silent.autoreply = nil
        #expect(decide("Halo?", list: silent).reason == .noAutoreply)
        #expect(decide("START", list: silent).reply == "Witaj w klubie!")
    }

    @Test func transliterationKeepsRepliesInGSM7() {
        var gsm = list
        gsm.transliterate = true
        let farewell = decide("STOP", list: gsm).reply ?? ""
        #expect(farewell == "Wypisano. Odpisz START, aby wrocic.")
        #expect(SMSText.analyse(farewell).encoding == .gsm7)
    }
}
