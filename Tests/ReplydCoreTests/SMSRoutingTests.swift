import Foundation
import Testing
@testable import ReplydCore

@Suite struct SMSRoutingTests {
    let own = SMSList(number: "+48500100200", name: "main", welcome: "w", farewell: "f", help: "h")
    let pizza = SMSList(number: "+48500100200", prefix: "pizza", name: "pizza", welcome: "pw", farewell: "pf", help: "ph")
    let kebab = SMSList(number: "+48500100200", prefix: "KEBAB", name: "kebab", welcome: "kw", farewell: "kf", help: "kh")

    @Test func prefixPicksTheListAndIsStripped() throws {
        let route = try #require(SMSRouting.route(text: " Pizza stop ", lists: [own, pizza, kebab]))
        #expect(route.lists == [pizza])
        #expect(route.text == "stop")
        #expect(route.intent == nil)
        #expect(pizza.key == "+48500100200 PIZZA")
    }

    @Test func thePrefixAloneJoins() throws {
        let route = try #require(SMSRouting.route(text: "kebab", lists: [own, pizza, kebab]))
        #expect(route.lists == [kebab] && route.intent == .optIn)
    }

    @Test func anythingElseGoesToTheNumbersOwnList() throws {
        let route = try #require(SMSRouting.route(text: "pizzeria open?", lists: [pizza, own, kebab]))
        #expect(route.lists == [own] && route.text == "pizzeria open?" && route.intent == nil)
        #expect(SMSRouting.route(text: "hello", lists: [pizza, kebab]) == nil)
        #expect(SMSRouting.route(text: "hello", lists: []) == nil)
    }

    @Test func aBareStopLeavesEveryListAtTheNumber() throws {
        let route = try #require(SMSRouting.route(text: "STOP", lists: [kebab, pizza, own]))
        #expect(route.lists == [own, kebab, pizza])
        #expect(route.intent == .optOut)
        let prefixedOnly = try #require(SMSRouting.route(text: "nie", lists: [pizza, kebab]))
        #expect(prefixedOnly.lists == [kebab, pizza] && prefixedOnly.intent == .optOut)
    }

    @Test func noPrefixCanShadowAStop() {
        let arret = SMSList(number: "+48500100200", prefix: "ARRET", name: "fr", welcome: "w", farewell: "f", help: "h",
                            keywords: SMSKeywords(optOut: ["FIN"], optIn: ["GO"], help: ["AIDE"]))
        // A list's own opt-out word, texted bare, stops every list at the number too.
        #expect(SMSRouting.route(text: "fin", lists: [pizza, arret])?.intent == .optOut)
        #expect(SMSRouting.route(text: "fin", lists: [pizza, arret])?.lists.count == 2)
        #expect(SMSRouting.prefixProblem("STOP", keywords: SMSKeywords(optOut: ["FIN"], optIn: ["GO"], help: ["AIDE"]), lists: []) != nil)
        #expect(SMSRouting.prefixProblem("FIN", keywords: .standard, lists: [arret]) != nil, "another list's word at the number")
        #expect(SMSRouting.prefixProblem("pizza two", keywords: .standard, lists: []) != nil)
        #expect(SMSRouting.prefixProblem("PIZZA", keywords: .standard, lists: [arret]) == nil)
    }

    @Test func routedIntentOverridesTheListsOwnWords() {
        let custom = SMSList(number: "+1", name: "n", welcome: "w", farewell: "bye", help: "h",
                             keywords: SMSKeywords(optOut: ["ARRET"], optIn: ["GO"], help: ["AIDE"]))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(SMSPolicy.decide(text: "STOP", list: custom, facts: SMSFacts(), now: now).intent == .message)
        #expect(SMSPolicy.decide(text: "ARRET", list: custom, facts: SMSFacts(), now: now).reply == "bye")
        #expect(SMSPolicy.decide(text: "STOP", list: custom, facts: SMSFacts(), now: now, intent: .optOut).reply == "bye")
    }
}
