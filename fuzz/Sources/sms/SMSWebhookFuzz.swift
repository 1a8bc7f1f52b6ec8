// The input is a Twilio webhook body (application/x-www-form-urlencoded) or, read whole, an SMS
// text. The body goes the way SMSWebhooks.twilio takes it: parameters, the first value of each
// name, From/To as phone numbers, Body through keyword routing and the text analysis.
import Foundation
import FuzzSupport
import ReplydCore
import ReplydSMS

private let lists = [
    SMSList(number: "+48600100200", name: "own", welcome: "w", farewell: "f", help: "h"),
    SMSList(number: "+48600100200", prefix: "pizza", name: "pizza", welcome: "w", farewell: "f", help: "h",
            keywords: SMSKeywords(optOut: ["DOŚĆ"], optIn: ["CHCĘ"], help: ["?"])),
]

/// RFC 3986 unreserved characters: everything else is percent-encoded when a body is rebuilt.
private let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    let parameters = WebhookForm.parameters(body)
    let encoded = parameters.compactMap { name, value in
        name.addingPercentEncoding(withAllowedCharacters: unreserved).flatMap { name in
            value.addingPercentEncoding(withAllowedCharacters: unreserved).map { name + "=" + $0 }
        }
    }
    if encoded.count == parameters.count {
        let rebuilt = encoded.joined(separator: "&")
        let again = WebhookForm.parameters(rebuilt)
        invariant(again.count == parameters.count && zip(again, parameters).allSatisfy { $0 == $1 },
                  "re-encoded parameters read back differently: \(rebuilt.debugDescription)")
    }
    let values = Dictionary(parameters, uniquingKeysWith: { first, _ in first })
    for name in ["From", "To"] {
        if let number = values[name] { checkPhoneNumber(number) }
    }
    if let text = values["Body"] { checkText(text) }

    checkText(body)
    for line in body.split(whereSeparator: \.isNewline) { checkPhoneNumber(String(line)) }
    return 0
}

private func checkText(_ text: String) {
    let folded = SMSKeywords.fold(text)
    // SMSList.key folds a prefix that SMSList.init already folded: the two must agree.
    invariant(SMSKeywords.fold(folded) == folded, "fold is not idempotent: \(text.debugDescription) -> \(folded.debugDescription)")
    let intent = SMSKeywords.standard.intent(of: text)
    if text.utf8.allSatisfy({ $0 < 0x80 }) {
        invariant(SMSKeywords.standard.intent(of: " \(text.lowercased())\n") == intent, "keyword depends on case or padding")
    }

    guard let route = SMSRouting.route(text: text, lists: lists) else {
        fatalError("the number has its own list, yet nothing was routed")
    }
    invariant(!route.lists.isEmpty, "a route to no list")
    // A bare opt-out word must reach every list at the number.
    if intent == .optOut { invariant(route.intent == .optOut && route.lists.count == lists.count, "STOP not honoured") }

    let analysis = SMSText.analyse(text)
    let perPart = analysis.encoding == .gsm7 ? (analysis.parts == 1 ? 160 : 153) : (analysis.parts == 1 ? 70 : 67)
    invariant(analysis.parts >= 1 && analysis.units <= analysis.parts * perPart
              && (analysis.parts == 1 || analysis.units > (analysis.parts - 1) * perPart), "wrong part count")
    invariant((analysis.encoding == .gsm7) == analysis.nonGSMCharacters.isEmpty, "encoding disagrees with its reason")
    if analysis.encoding == .gsm7 { invariant(SMSText.transliteratePolish(text) == text, "transliteration changed a GSM-7 text") }
}

private func checkPhoneNumber(_ text: String) {
    for country in [nil, "48"] {
        guard let number = PhoneNumber.e164(text, defaultCountryCode: country) else { continue }
        let digits = number.utf8.dropFirst()
        invariant(number.hasPrefix("+") && (8...15).contains(digits.count) && digits.first != UInt8(ascii: "0")
                  && digits.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }, "not E.164: \(number)")
        invariant(PhoneNumber.e164(number, defaultCountryCode: country) == number, "\(number) does not normalise to itself")
    }
}
