import Foundation
import ReplydCore

/// Which provider sends SMS, and how to reach it. Base URLs are settings so tests (and private
/// gateways) can point them at a local server.
public struct SMSProviderSettings: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// Twilio Messages API: form POST, HTTP basic auth with the account SID and auth token.
        case twilio
        /// mProfi `send` API: JSON with the API key in the body.
        case mprofi
        /// A generic JSON endpoint: `{"id", "from", "to", "text"}`, optional bearer token.
        case http
    }

    public var kind: Kind
    public var baseURL: String
    public var twilioAccountSID: String?
    public var twilioAuthToken: String?
    public var mprofiAPIKey: String?
    public var httpToken: String?

    public init(kind: Kind, baseURL: String? = nil, twilioAccountSID: String? = nil, twilioAuthToken: String? = nil,
                mprofiAPIKey: String? = nil, httpToken: String? = nil) {
        self.kind = kind
        self.baseURL = baseURL ?? Self.defaultBaseURL(kind) ?? ""
        self.twilioAccountSID = twilioAccountSID
        self.twilioAuthToken = twilioAuthToken
        self.mprofiAPIKey = mprofiAPIKey
        self.httpToken = httpToken
    }

    public static func defaultBaseURL(_ kind: Kind) -> String? {
        switch kind {
        case .twilio: "https://api.twilio.com"
        case .mprofi: "https://api.mprofi.pl/1.0"
        case .http: nil
        }
    }
}

/// One SMS to hand to the provider.
public struct OutgoingSMS: Sendable, Equatable {
    /// Our queue id, passed as the provider's reference where it takes one.
    public var reference: String
    public var from: String
    public var to: String
    public var text: String

    public init(reference: String, from: String, to: String, text: String) {
        self.reference = reference
        self.from = from
        self.to = to
        self.text = text
    }
}

/// The HTTP request each provider's send API expects, and what its answer means. Pure: the HTTP
/// client that carries it lives in `SMSSender`.
public enum SMSProviderAPI {
    public struct Request: Sendable, Equatable {
        public var url: String
        public var headers: [String: String]
        public var body: [UInt8]
    }

    public static func request(_ sms: OutgoingSMS, settings: SMSProviderSettings) -> Request {
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        switch settings.kind {
        case .twilio:
            let sid = settings.twilioAccountSID ?? ""
            let credentials = Data("\(sid):\(settings.twilioAuthToken ?? "")".utf8).base64EncodedString()
            let form = [("To", sms.to), ("From", sms.from), ("Body", sms.text)]
                .map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&")
            return Request(url: "\(base)/2010-04-01/Accounts/\(formEncode(sid))/Messages.json",
                           headers: ["Authorization": "Basic \(credentials)",
                                     "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"],
                           body: Array(form.utf8))
        case .mprofi:
            // mProfi takes numbers as digits with the country code and no plus sign.
            let recipient = sms.to.hasPrefix("+") ? String(sms.to.dropFirst()) : sms.to
            return Request(url: "\(base)/send/", headers: ["Content-Type": "application/json"],
                           body: json(["apikey": settings.mprofiAPIKey ?? "", "recipient": recipient, "message": sms.text,
                                       "reference": sms.reference]))
        case .http:
            var headers = ["Content-Type": "application/json"]
            if let token = settings.httpToken { headers["Authorization"] = "Bearer \(token)" }
            return Request(url: base, headers: headers,
                           body: json(["id": sms.reference, "from": sms.from, "to": sms.to, "text": sms.text]))
        }
    }

    /// A provider's answer as a delivery outcome: 2xx sent; 408, 425, 429 and 5xx are worth a retry;
    /// any other status is final (bad number, opted out at the provider, wrong credentials), so it
    /// fails at once instead of retrying for days.
    public static func outcome(status: Int, body: [UInt8], host: String) -> DeliveryOutcome {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        if (200..<300).contains(status) {
            let id = object.flatMap { $0["sid"] ?? $0["id"] }.map { "\($0)" }
            return .delivered(host: host, code: status, detail: id.map { "accepted, provider id \($0)" } ?? "accepted", tlsVersion: nil)
        }
        var explanation = object.flatMap { $0["message"] ?? $0["error"] ?? $0["detail"] }.map { "\($0)" }
            ?? String(decoding: body.prefix(200), as: UTF8.self)
        if let code = object?["code"] { explanation = "provider code \(code): \(explanation)" }
        let reason = "\(status) \(explanation.replacingOccurrences(of: "\n", with: " "))"
        if status >= 500 || [408, 425, 429].contains(status) { return .temporary(host: host, reason: reason) }
        return .permanent(host: host, reason: reason)
    }

    /// application/x-www-form-urlencoded: unreserved characters stay, space is `+`, the rest is %XX of UTF-8.
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "*"):
                out.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: " "):
                out.append("+")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func json(_ object: [String: String]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }
}
