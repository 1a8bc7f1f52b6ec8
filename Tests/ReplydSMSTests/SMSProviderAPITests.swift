import Foundation
import ReplydCore
import Testing
@testable import ReplydSMS

@Suite struct SMSProviderAPITests {
    let sms = OutgoingSMS(reference: "replyd-7", from: "+48500100200", to: "+48600700800", text: "Zażółć gęślą jaźń & więcej")

    @Test func twilioIsAFormPostWithBasicAuth() {
        let settings = SMSProviderSettings(kind: .twilio, twilioAccountSID: "AC123", twilioAuthToken: "secret")
        let request = SMSProviderAPI.request(sms, settings: settings)
        #expect(request.url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json")
        #expect(request.headers["Authorization"] == "Basic " + Data("AC123:secret".utf8).base64EncodedString())
        #expect(request.headers["Content-Type"]?.hasPrefix("application/x-www-form-urlencoded") == true)
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body == "To=%2B48600700800&From=%2B48500100200&Body=Za%C5%BC%C3%B3%C5%82%C4%87+g%C4%99%C5%9Bl%C4%85+ja%C5%BA%C5%84+%26+wi%C4%99cej")
    }

    @Test func mprofiIsJSONWithTheKeyAndNoPlus() throws {
        let settings = SMSProviderSettings(kind: .mprofi, baseURL: "https://127.0.0.1:9/1.0/", mprofiAPIKey: "k")
        let request = SMSProviderAPI.request(sms, settings: settings)
        #expect(request.url == "https://127.0.0.1:9/1.0/send/")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: String])
        #expect(object == ["apikey": "k", "recipient": "48600700800", "message": sms.text, "reference": "replyd-7"])
    }

    @Test func genericHTTPCarriesABearerTokenOnlyWhenSet() throws {
        let withToken = SMSProviderAPI.request(sms, settings: SMSProviderSettings(kind: .http, baseURL: "https://gw/send", httpToken: "t"))
        #expect(withToken.url == "https://gw/send")
        #expect(withToken.headers["Authorization"] == "Bearer t")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(withToken.body)) as? [String: String])
        #expect(object == ["id": "replyd-7", "from": "+48500100200", "to": "+48600700800", "text": sms.text])
        let without = SMSProviderAPI.request(sms, settings: SMSProviderSettings(kind: .http, baseURL: "https://gw/send"))
        #expect(without.headers["Authorization"] == nil)
    }

    @Test func answersMapToOutcomes() {
        #expect(SMSProviderAPI.outcome(status: 201, body: Array(#"{"sid":"SM1"}"#.utf8), host: "h")
            == .delivered(host: "h", code: 201, detail: "accepted, provider id SM1", tlsVersion: nil))
        #expect(SMSProviderAPI.outcome(status: 200, body: Array(#"{"id":42}"#.utf8), host: "h")
            == .delivered(host: "h", code: 200, detail: "accepted, provider id 42", tlsVersion: nil))
        #expect(SMSProviderAPI.outcome(status: 204, body: [], host: "h") == .delivered(host: "h", code: 204, detail: "accepted", tlsVersion: nil))
        #expect(SMSProviderAPI.outcome(status: 400, body: Array(#"{"code":21610,"message":"unsubscribed"}"#.utf8), host: "h")
            == .permanent(host: "h", reason: "400 provider code 21610: unsubscribed"))
        #expect(SMSProviderAPI.outcome(status: 401, body: Array("no".utf8), host: "h") == .permanent(host: "h", reason: "401 no"))
        for status in [408, 425, 429, 500, 502, 503] {
            guard case .temporary = SMSProviderAPI.outcome(status: status, body: [], host: "h") else {
                Issue.record("\(status) should be retried")
                continue
            }
        }
        guard case .permanent = SMSProviderAPI.outcome(status: 302, body: [], host: "h") else {
            Issue.record("a redirect is a misconfigured URL, not a retry")
            return
        }
    }
}
