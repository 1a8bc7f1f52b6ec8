import Foundation
import Testing
@testable import ReplydSMS

@Suite struct WebhookSignatureTests {
    /// Twilio's published example (DESIGN.md).
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    let parameters = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
                      ("From", "+12349013030"), ("To", "+18005551212")]

    @Test func twilioPublishedVector() {
        #expect(WebhookSignatures.twilio(url: url, parameters: parameters, authToken: "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        // Order of the parameters as received does not matter.
        #expect(WebhookSignatures.verifyTwilio(signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url: url,
                                               parameters: parameters.reversed(), authToken: "12345"))
    }

    @Test func twilioRejectsTampering() {
        let good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        #expect(!WebhookSignatures.verifyTwilio(signature: nil, url: url, parameters: parameters, authToken: "12345"))
        #expect(!WebhookSignatures.verifyTwilio(signature: good, url: url, parameters: parameters, authToken: "54321"))
        #expect(!WebhookSignatures.verifyTwilio(signature: good, url: url + "&x=1", parameters: parameters, authToken: "12345"))
        #expect(!WebhookSignatures.verifyTwilio(signature: good, url: url, parameters: parameters + [("Body", "STOP")], authToken: "12345"))
        #expect(!WebhookSignatures.verifyTwilio(signature: String(good.dropLast()), url: url, parameters: parameters, authToken: "12345"))
    }

    @Test func sha256HeaderRoundTrip() {
        let body = Array(#"{"from":"+48600100200","text":"STOP"}"#.utf8)
        let header = WebhookSignatures.sha256Header(body: body, secret: "s3cret")
        #expect(header.hasPrefix("sha256=") && header.count == 7 + 64)
        #expect(WebhookSignatures.verifySHA256(header: header, body: body, secret: "s3cret"))
        #expect(WebhookSignatures.verifySHA256(header: header.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="), body: body, secret: "s3cret"))
        #expect(!WebhookSignatures.verifySHA256(header: header, body: body + [0x20], secret: "s3cret"))
        #expect(!WebhookSignatures.verifySHA256(header: nil, body: body, secret: "s3cret"))
    }
}
