import Foundation
import Hummingbird
import ReplydCore
import ReplydPipeline

/// `/api/v1/notifications`, `/api/v1/orders/{order_id}/notifications` and the templates: the
/// order-status notification service (scope `notify`).
extension AdminAPI {
    struct DeliveryItem: Encodable, Sendable {
        var channel: String
        var queueId: Int64
        var recipient: String
        var status: String
        var attempts: Int
        var dueAt: Date
        var sentAt: Date?
        var lastError: String?
    }

    struct NotificationItem: Encodable, Sendable {
        var id: Int64
        var orderId: String
        var event: String
        var status: String
        var reason: String?
        var notes: [String]
        var forced: Bool
        var requestedAt: Date
        var sendAt: Date?
        var customer: CustomerItem
        var data: [String: String]
        var deliveries: [DeliveryItem]

        init(_ record: NotificationRecord) {
            id = record.id
            orderId = record.orderID
            event = record.event
            status = record.status
            reason = record.reason
            notes = record.notes
            forced = record.forced
            requestedAt = record.requestedAt
            sendAt = record.sendAt
            customer = CustomerItem(name: record.customer.name, email: record.customer.email, phone: record.customer.phone,
                                    channelPreference: record.customer.channelPreference?.rawValue,
                                    timeZone: record.customer.timeZone, locale: record.customer.locale)
            data = record.data
            deliveries = record.deliveries.map {
                DeliveryItem(channel: $0.channel, queueId: $0.outboundID, recipient: $0.recipient, status: $0.status,
                             attempts: $0.attempts, dueAt: $0.dueAt, sentAt: $0.sentAt, lastError: $0.lastError)
            }
        }
    }

    struct CustomerItem: Encodable, Sendable {
        var name: String
        var email: String?
        var phone: String?
        var channelPreference: String?
        var timeZone: String?
        var locale: String?
    }

    func notificationSetup() throws -> NotificationSetup {
        guard let setup = settings.notifications else {
            throw APIError.notFound("notifications are not configured ([notifications] email_from or sms_from)")
        }
        return setup
    }

    func createNotification(_ request: APIRequest) async throws -> Response {
        let setup = try notificationSetup()
        let form = try request.decodeCollecting(NotificationForm.self)
        let notification: NotificationRequest
        switch form.value.validate(events: setup.rules.events, defaultCountryCode: settings.defaultCountryCode) {
        case .success(let valid) where form.problems.isEmpty: notification = valid
        case .success: throw APIError.invalid(form.problems)
        case .failure(let problems): throw APIError.invalid(problems.fields.merging(form.problems) { _, wrongType in wrongType })
        }
        let outcome = try await pipeline.notify(notification, setup: setup, at: clock())
        if case .duplicateNotification(let previous) = outcome.inbound {
            return APIResponse.json(.conflict, [
                "error": "order \(notification.orderID) was already notified of \(notification.event); send \"force\": true to notify again",
                "id": previous])
        }
        if !outcome.queued.isEmpty { queued() }
        guard let record = try await store.notification(id: outcome.id) else {
            throw APIError.notFound("notification \(outcome.id) was recorded but cannot be read back")
        }
        return try APIResponse.encode(.accepted, NotificationItem(record))
    }

    func getNotification(_ request: APIRequest) async throws -> Response {
        guard let id = Int64(request.parameter("id")), id > 0 else { throw APIError.invalid(["id": "must be a positive notification id"]) }
        guard let record = try await store.notification(id: id) else { throw APIError.notFound("no notification \(id)") }
        return try APIResponse.encode(NotificationItem(record))
    }

    struct OrderNotifications: Encodable, Sendable {
        var orderId: String
        var items: [NotificationItem]
    }

    func orderNotifications(_ request: APIRequest) async throws -> Response {
        let order = request.parameter("order_id")
        let records = try await store.notifications(order: order)
        guard !records.isEmpty else { throw APIError.notFound("no notifications for order \(order)") }
        return try APIResponse.encode(OrderNotifications(orderId: order, items: records.map(NotificationItem.init)))
    }

    struct TemplateItem: Encodable, Sendable {
        var event: String
        var channel: String
        var locale: String
        var subject: String?
        var body: String
        var custom: Bool
        /// SMS: encoding and parts with sample data.
        var smsParts: Int?
        var smsEncoding: String?
    }

    /// A template as listed: the saved one, or the built-in text.
    struct TemplateEntry {
        var event: String
        var channel: NotificationChannel
        var locale: String
        var template: NotificationTemplate
        var custom: Bool
    }

    func templateItem(_ entry: TemplateEntry) -> TemplateItem {
        var item = TemplateItem(event: entry.event, channel: entry.channel.rawValue, locale: entry.locale, subject: entry.template.subject,
                                body: entry.template.body, custom: entry.custom)
        if entry.channel == .sms, let text = try? NotificationTemplates.render(entry.template.body, NotificationTemplates.sample) {
            let analysis = SMSText.analyse(text)
            item.smsParts = analysis.parts
            item.smsEncoding = analysis.encoding.rawValue
        }
        return item
    }

    func listTemplates(_ request: APIRequest) async throws -> Response {
        let setup = try notificationSetup()
        let saved = try await store.savedNotificationTemplates(events: setup.rules.events)
        var items: [TemplateItem] = []
        for event in setup.rules.events {
            for channel in NotificationChannel.allCases {
                for locale in NotificationTemplates.locales {
                    let custom = saved.first { $0.event == event && $0.channel == channel && $0.locale == locale }
                    items.append(templateItem(TemplateEntry(
                        event: event, channel: channel, locale: locale,
                        template: custom?.template ?? NotificationTemplates.builtIn(event: event, channel: channel, locale: locale),
                        custom: custom != nil)))
                }
            }
        }
        return try APIResponse.encode(Page(items: items, total: items.count, limit: max(items.count, 1), offset: 0))
    }

    struct TemplateBody: Decodable {
        var subject: String?
        var body: String
    }

    func putTemplate(_ request: APIRequest) async throws -> Response {
        let setup = try notificationSetup()
        var problems: [String: String] = [:]
        let event = request.parameter("event")
        if !setup.rules.events.contains(event) { problems["event"] = "must be one of \(setup.rules.events.joined(separator: ", "))" }
        let channel = NotificationChannel(rawValue: request.parameter("channel"))
        if channel == nil { problems["channel"] = "must be sms or email" }
        let locale = request.parameter("locale")
        if !NotificationTemplates.locales.contains(locale) { problems["locale"] = "must be pl or en" }
        guard problems.isEmpty, let channel else { throw APIError.invalid(problems) }
        let body = try request.decode(TemplateBody.self)
        let template = NotificationTemplate(subject: body.subject.flatMap { $0.isEmpty ? nil : $0 }, body: body.body)
        let refused = NotificationTemplates.problems(template, channel: channel, maxSMSParts: settings.maxSMSParts)
        guard refused.isEmpty else { throw APIError.invalid(refused) }
        try await store.setNotificationTemplate(event: event, channel: channel, locale: locale, template, at: clock())
        return try APIResponse.encode(templateItem(TemplateEntry(event: event, channel: channel, locale: locale, template: template, custom: true)))
    }
}
