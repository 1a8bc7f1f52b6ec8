import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ReplydConfig
import ReplydCore
import ReplydPipeline
import ReplydSMS

/// `POST /sms/inbound` (generic JSON, HMAC-SHA256) and `POST /sms/twilio` (form, Twilio signature):
/// the edge of the SMS path, beside the admin API and with its JSON errors. The signature is
/// checked before anything is stored; the answer is 2xx only after the pipeline's commit.
public struct SMSWebhooks: Sendable {
    let pipeline: MessagePipeline
    let settings: Configuration.SMS
    let clock: @Sendable () -> Date
    /// Called after a reply was queued, so the SMS worker looks at once.
    let queued: @Sendable () -> Void

    public init(pipeline: MessagePipeline, settings: Configuration.SMS, clock: @escaping @Sendable () -> Date = { Date() },
                queued: @escaping @Sendable () -> Void = {}) {
        self.pipeline = pipeline
        self.settings = settings
        self.clock = clock
        self.queued = queued
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.post("/sms/inbound") { request, _ in try await self.answer { try await self.inbound(request) } }
        router.post("/sms/twilio") { request, _ in try await self.answer { try await self.twilio(request) } }
    }

    func answer(_ handler: () async throws -> Response) async throws -> Response {
        do {
            return try await handler()
        } catch let error as APIError {
            return error.response
        }
    }

    func body(of incoming: Request) async throws -> [UInt8] {
        var request = incoming
        do {
            return Array(try await request.collectBody(upTo: settings.maxBody).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge("request body over \(settings.maxBody) bytes (sms.max_body)")
        }
    }

    /// The generic webhook's body. Every field optional here, so that one answer names every
    /// missing or wrong one.
    struct GenericMessage: Decodable {
        var from: String?
        var to: String?
        var text: String?
        var id: String?
    }

    func inbound(_ request: Request) async throws -> Response {
        guard let secret = settings.webhookSecret else {
            throw APIError.notFound("the generic SMS webhook is not configured (sms.webhook_secret)")
        }
        let body = try await body(of: request)
        guard let header = request.headers[HTTPField.Name("X-Signature")!] else {
            return APIResponse.json(.unauthorized, ["error": "missing X-Signature header"])
        }
        guard WebhookSignatures.verifySHA256(header: header, body: body, secret: secret) else {
            return APIResponse.json(.forbidden, ["error": "X-Signature does not match the body"])
        }
        let decoded = try APIRequest(parameters: [:], query: [:], contentType: nil, body: body).decodeCollecting(GenericMessage.self)
        let message = decoded.value
        var problems = decoded.problems
        func required(_ value: String?, _ name: String) -> String? {
            guard let value, !value.isEmpty else {
                if problems[name] == nil { problems[name] = "required, a non-empty string" }
                return nil
            }
            return value
        }
        let from = required(message.from, "from"), to = required(message.to, "to"), id = required(message.id, "id")
        if message.text == nil && problems["text"] == nil { problems["text"] = "required, a string" }
        let sender = from.flatMap { PhoneNumber.e164($0, defaultCountryCode: settings.defaultCountryCode) }
        let recipient = to.flatMap { PhoneNumber.e164($0, defaultCountryCode: settings.defaultCountryCode) }
        if from != nil && sender == nil { problems["from"] = "not a phone number" }
        if to != nil && recipient == nil { problems["to"] = "not a phone number" }
        guard problems.isEmpty, let sender, let recipient, let id, let text = message.text else { throw APIError.invalid(problems) }
        let outcome = try await pipeline.receive(InboundSMS(provider: "generic", providerID: id, sender: sender, recipient: recipient,
                                                            text: text, receivedAt: clock()))
        if !outcome.queued.isEmpty { queued() }
        return Self.acknowledgement(outcome)
    }

    func twilio(_ request: Request) async throws -> Response {
        guard let token = settings.twilioAuthToken else {
            throw APIError.notFound("the Twilio webhook is not configured (sms.twilio_auth_token)")
        }
        let parameters = WebhookForm.parameters(String(decoding: try await body(of: request), as: UTF8.self))
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
            throw APIError.badRequest("MessageSid, From and To are required phone-number fields")
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
