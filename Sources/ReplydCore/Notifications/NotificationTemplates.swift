import Foundation
import Mustache

/// A notification's text for one event, channel and language: mustache (plain text, no HTML
/// escaping). E-mail has a subject; SMS has only a body.
public struct NotificationTemplate: Sendable, Equatable, Codable {
    public var subject: String?
    public var body: String

    public init(subject: String? = nil, body: String) {
        self.subject = subject
        self.body = body
    }
}

/// Built-in texts (Polish and English) with what the seed article calls essential: the customer's
/// name, the order number, a clear status, the expected delivery date and the tracking link; the
/// variables, the rendering, the length check and the e-mail's MIME form. Pure.
public enum NotificationTemplates {
    public static let locales = ["pl", "en"]

    /// `{{status}}` of each default event.
    static let statusText: [String: [String: String]] = [
        "pl": ["confirmed": "przyjęte do realizacji", "shipped": "wysłane", "out_for_delivery": "wydane kurierowi do doręczenia",
               "delivered": "dostarczone", "delayed": "opóźnione", "cancelled": "anulowane"],
        "en": ["confirmed": "confirmed", "shipped": "shipped", "out_for_delivery": "out for delivery",
               "delivered": "delivered", "delayed": "delayed", "cancelled": "cancelled"],
    ]

    public static func builtIn(event: String, channel: NotificationChannel, locale: String) -> NotificationTemplate {
        let polish = locale == "pl"
        switch channel {
        case .sms:
            let line: String
            switch (event, polish) {
            case ("confirmed", true): line = "{{customer_name}}, dziękujemy! Zamówienie {{order_number}} przyjęte do realizacji.{{#expected_delivery}} Przewidywana dostawa: {{expected_delivery}}.{{/expected_delivery}}"
            case ("confirmed", false): line = "{{customer_name}}, thank you! Order {{order_number}} is confirmed.{{#expected_delivery}} Expected delivery: {{expected_delivery}}.{{/expected_delivery}}"
            case ("shipped", true): line = "{{customer_name}}, zamówienie {{order_number}} zostało wysłane{{#carrier}} ({{carrier}}){{/carrier}}.{{#expected_delivery}} Dostawa: {{expected_delivery}}.{{/expected_delivery}}{{#tracking_url}} Śledź: {{tracking_url}}{{/tracking_url}}"
            case ("shipped", false): line = "{{customer_name}}, order {{order_number}} has shipped{{#carrier}} ({{carrier}}){{/carrier}}.{{#expected_delivery}} Delivery: {{expected_delivery}}.{{/expected_delivery}}{{#tracking_url}} Track: {{tracking_url}}{{/tracking_url}}"
            case ("out_for_delivery", true): line = "{{customer_name}}, kurier jest w drodze z zamówieniem {{order_number}}.{{#tracking_url}} {{tracking_url}}{{/tracking_url}}"
            case ("out_for_delivery", false): line = "{{customer_name}}, order {{order_number}} is out for delivery today.{{#tracking_url}} {{tracking_url}}{{/tracking_url}}"
            case ("delivered", true): line = "{{customer_name}}, zamówienie {{order_number}} zostało dostarczone. Dziękujemy!"
            case ("delivered", false): line = "{{customer_name}}, order {{order_number}} has been delivered. Thank you!"
            case ("delayed", true): line = "{{customer_name}}, zamówienie {{order_number}} jest opóźnione.{{#expected_delivery}} Nowy termin: {{expected_delivery}}.{{/expected_delivery}} Przepraszamy."
            case ("delayed", false): line = "{{customer_name}}, order {{order_number}} is delayed.{{#expected_delivery}} New date: {{expected_delivery}}.{{/expected_delivery}} We are sorry."
            case ("cancelled", true): line = "{{customer_name}}, zamówienie {{order_number}} zostało anulowane.{{#status_text}} {{status_text}}{{/status_text}}"
            case ("cancelled", false): line = "{{customer_name}}, order {{order_number}} has been cancelled.{{#status_text}} {{status_text}}{{/status_text}}"
            case (_, true): line = "{{customer_name}}, zamówienie {{order_number}}: {{status}}.{{#tracking_url}} {{tracking_url}}{{/tracking_url}}"
            default: line = "{{customer_name}}, order {{order_number}}: {{status}}.{{#tracking_url}} {{tracking_url}}{{/tracking_url}}"
            }
            return NotificationTemplate(body: line)
        case .email:
            if polish {
                return NotificationTemplate(subject: "Zamówienie {{order_number}}: {{status}}", body: """
                    Dzień dobry {{customer_name}},

                    zamówienie {{order_number}} jest {{status}}.
                    {{#status_text}}{{status_text}}
                    {{/status_text}}{{#expected_delivery}}Przewidywany termin dostawy: {{expected_delivery}}.
                    {{/expected_delivery}}{{#carrier}}Przewoźnik: {{carrier}}.
                    {{/carrier}}{{#tracking_url}}Śledzenie przesyłki: {{tracking_url}}
                    {{/tracking_url}}
                    Pozdrawiamy
                    {{shop_name}}

                    """)
            }
            return NotificationTemplate(subject: "Order {{order_number}}: {{status}}", body: """
                Hello {{customer_name}},

                your order {{order_number}} is {{status}}.
                {{#status_text}}{{status_text}}
                {{/status_text}}{{#expected_delivery}}Expected delivery: {{expected_delivery}}.
                {{/expected_delivery}}{{#carrier}}Carrier: {{carrier}}.
                {{/carrier}}{{#tracking_url}}Track your parcel: {{tracking_url}}
                {{/tracking_url}}
                Kind regards
                {{shop_name}}

                """)
        }
    }

    /// The request's data plus the names every template may use.
    public static func variables(_ request: NotificationRequest, locale: String, shopName: String) -> [String: String] {
        var values = request.data
        values["customer_name"] = request.customer.name
        values["order_id"] = request.orderID
        values["order_number"] = request.data["order_number"] ?? request.orderID
        values["event"] = request.event
        values["status"] = request.data["status"] ?? statusText[locale]?[request.event] ?? request.event.replacingOccurrences(of: "_", with: " ")
        values["shop_name"] = request.data["shop_name"] ?? shopName
        return values
    }

    /// Variables with plausible lengths, for checking a template when it is saved.
    public static let sample: [String: String] = [
        "customer_name": "Małgorzata", "order_id": "2026-000123", "order_number": "2026-000123", "event": "shipped",
        "status": "wydane kurierowi do doręczenia", "shop_name": "Sklep", "expected_delivery": "środa, 2 grudnia",
        "tracking_url": "https://track.example.com/p/00340434161234567890", "carrier": "InPost", "status_text": "",
    ]

    public static func render(_ template: String, _ values: [String: String]) throws -> String {
        try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + template).render(values)
    }

    /// A template that is refused before it is saved, by field: does not parse, empty body, no
    /// subject for e-mail, or an SMS longer than `maxSMSParts` with sample data.
    public static func problems(_ template: NotificationTemplate, channel: NotificationChannel, maxSMSParts: Int) -> [String: String] {
        var problems: [String: String] = [:]
        if template.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems["body"] = "must not be empty" }
        var rendered: String?
        do {
            rendered = try render(template.body, sample)
        } catch {
            problems["body"] = "template does not parse: \(error)"
        }
        switch channel {
        case .email:
            if let subject = template.subject, !subject.trimmingCharacters(in: .whitespaces).isEmpty {
                if (try? render(subject, sample)) == nil { problems["subject"] = "template does not parse" }
            } else {
                problems["subject"] = "an e-mail template needs a subject"
            }
        case .sms:
            if template.subject != nil { problems["subject"] = "an SMS has no subject" }
            if let rendered {
                let analysis = SMSText.analyse(rendered)
                if analysis.parts > maxSMSParts {
                    problems["body"] = "with sample data it is \(analysis.parts) SMS parts (\(analysis.encoding.rawValue), \(analysis.units) units); the limit is \(maxSMSParts) (notifications.max_sms_parts)"
                }
            }
        }
        return problems
    }

    /// A notification e-mail: not a reply, so `Auto-Submitted: auto-generated` (RFC 3834) and no
    /// threading; UTF-8 quoted-printable body, RFC 2047 headers.
    /// The e-mail of a notification: the text as written, and an HTML alternative made from it
    /// (mail clients that show HTML first show the same words, with links).
    public static func email(fromName: String?, fromAddress: String, to recipient: String, customerName: String?, subject: String,
                             body: String, messageID: String, date: Date, shopName: String = "", locale: String = "pl") -> [UInt8] {
        var lines: [String] = []
        lines.append(MIMEEncoding.addressHeader("From", displayName: fromName, address: fromAddress))
        lines.append(MIMEEncoding.addressHeader("To", displayName: customerName, address: recipient))
        lines.append(MIMEEncoding.header("Subject", MIMEEncoding.scrubbed(subject)))
        lines.append("Date: \(MIMEEncoding.date(date))")
        lines.append("Message-ID: \(messageID)")
        lines.append("Auto-Submitted: auto-generated")
        let plain = body.hasSuffix("\n") ? body : body + "\n"
        let html = NotificationHTML.page(body: plain, subject: MIMEEncoding.scrubbed(subject), shopName: shopName, locale: locale)
        return MIMEEncoding.alternativeMessage(headers: lines, plain: plain, html: html)
    }
}
