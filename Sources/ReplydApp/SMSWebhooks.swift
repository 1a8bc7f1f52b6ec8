import Foundation
import HTTPTypes
import Hummingbird
import ReplydAPI
import ReplydConfig
import ReplydCore
import ReplydPipeline
import ReplydSMS

/// `POST /sms/inbound` (generic JSON, HMAC-SHA256) and `POST /sms/twilio` (form, Twilio signature).
/// The signature is checked before anything is stored; the answer is 2xx only after the commit.
struct SMSWebhooks: Sendable {
    let pipeline: MessagePipeline
    let settings: Configuration.SMS
    let clock: @Sendable () -> Date
    /// Called after a reply was queued, so the SMS worker looks at once.
    var queued: @Sendable () -> Void = {}

    func register(on router: Router<BasicRequestContext>) {
        router.post("/sms/inbound") { request, _ in try await self.inbound(request) }
        router.post("/sms/twilio") { request, _ in try await self.twilio(request) }
    }

    func inbound(_ incoming: Request) async throws -> Response {
        guard let secret = settings.webhookSecret else {
            return APIResponse.json(.notFound, ["error": "the generic SMS webhook is not configured (sms.webhook_secret)"])
        }
        var request = incoming
        let body = Array((try await request.collectBody(upTo: settings.maxBody)).readableBytesView)
        guard let header = request.headers[HTTPField.Name("X-Signature")!] else {
            return APIResponse.json(.unauthorized, ["error": "missing X-Signature header"])
        }
        guard WebhookSignatures.verifySHA256(header: header, body: body, secret: secret) else {
            return APIResponse.json(.forbidden, ["error": "X-Signature does not match the body"])
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return APIResponse.json(.badRequest, ["error": "body is not a JSON object"])
        }
        var problems: [String: String] = [:]
        func field(_ name: String) -> String? {
            guard let value = object[name] as? String, !value.isEmpty else {
                problems[name] = "required, a non-empty string"
                return nil
            }
            return value
        }
        let from = field("from"), to = field("to"), id = field("id")
        let text = object["text"] as? String
        if text == nil { problems["text"] = "required, a string" }
        let sender = from.flatMap { PhoneNumber.e164($0, defaultCountryCode: settings.defaultCountryCode) }
        let recipient = to.flatMap { PhoneNumber.e164($0, defaultCountryCode: settings.defaultCountryCode) }
        if from != nil && sender == nil { problems["from"] = "not a phone number" }
        if to != nil && recipient == nil { problems["to"] = "not a phone number" }
        guard problems.isEmpty, let sender, let recipient, let id, let text else {
            return APIResponse.json(.badRequest, ["error": "invalid fields", "fields": problems])
        }
        let outcome = try await pipeline.receive(InboundSMS(provider: "generic", providerID: id, sender: sender, recipient: recipient,
                                                            text: text, receivedAt: clock()))
        if !outcome.queued.isEmpty { queued() }
        return Self.acknowledgement(outcome)
    }

    func twilio(_ incoming: Request) async throws -> Response {
        guard let token = settings.twilioAuthToken else {
            return APIResponse.json(.notFound, ["error": "the Twilio webhook is not configured (sms.twilio_auth_token)"])
        }
        var request = incoming
        let body = String(decoding: (try await request.collectBody(upTo: settings.maxBody)).readableBytesView, as: UTF8.self)
        let parameters = WebhookForm.parameters(body)
        let base = settings.publicURL ?? "http://\(request.head.authority ?? "localhost")"
        let url = base + request.uri.string
        guard let signature = request.headers[HTTPField.Name("X-Twilio-Signature")!] else {
            return APIResponse.json(.unauthorized, ["error": "missing X-Twilio-Signature header"])
        }
        guard WebhookSignatures.verifyTwilio(signature: signature, url: url, parameters: parameters, authToken: token) else {
            return APIResponse.json(.forbidden, ["error": "X-Twilio-Signature does not match (signed URL: \(url))"])
        }
        let values = Dictionary(parameters, uniquingKeysWith: { first, _ in first })
        guard let sid = values["MessageSid"] ?? values["SmsSid"], let from = values["From"], let to = values["To"],
              let sender = PhoneNumber.e164(from, defaultCountryCode: settings.defaultCountryCode),
              let recipient = PhoneNumber.e164(to, defaultCountryCode: settings.defaultCountryCode) else {
            return APIResponse.json(.badRequest, ["error": "MessageSid, From and To are required phone-number fields"])
        }
        let outcome = try await pipeline.receive(InboundSMS(provider: "twilio", providerID: sid, sender: sender, recipient: recipient,
                                                            text: values["Body"] ?? "", receivedAt: clock()))
        if !outcome.queued.isEmpty { queued() }
        // Replies go out through the queue, so Twilio gets an empty TwiML answer.
        return Response(status: .ok, headers: [.contentType: "text/xml"],
                        body: .init(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>")))
    }

    /// The 200 body, `{"duplicate", "id", "intent", "reason", "replied"}`, written directly:
    /// Foundation's JSONSerialization was a tenth of a webhook's CPU time.
    static func acknowledgement(_ outcome: Outcome) -> Response {
        func string(_ value: String?) -> String {
            guard let value else { return "null" }
            var out = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        var duplicate = false
        if case .sms(_, let again) = outcome.inbound { duplicate = again }
        let verdict = outcome.verdicts.first
        let body = "{\"duplicate\":\(duplicate),\"id\":\(outcome.id),\"intent\":\(string(verdict?.intent)),"
            + "\"reason\":\(string(verdict?.reason)),\"replied\":\(verdict?.answered ?? false)}"
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
