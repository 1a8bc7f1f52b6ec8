import Foundation

/// A notification request as a shop sends it (admin API JSON, `replyd notify` options): loose text
/// fields, checked all at once, each problem under its field's name. Pure.
public struct NotificationForm: Sendable, Equatable, Decodable {
    public struct CustomerForm: Sendable, Equatable, Decodable {
        public var name: String?
        public var email: String?
        public var phone: String?
        public var channelPreference: String?
        public var timeZone: String?
        public var locale: String?

        public init(name: String?, email: String? = nil, phone: String? = nil, channelPreference: String? = nil,
                    timeZone: String? = nil, locale: String? = nil) {
            self.name = name
            self.email = email
            self.phone = phone
            self.channelPreference = channelPreference
            self.timeZone = timeZone
            self.locale = locale
        }

        enum CodingKeys: String, CodingKey {
            case name, email, phone, locale
            case channelPreference = "channel_preference"
            case timeZone = "time_zone"
        }
    }

    public var orderID: String?
    public var event: String?
    public var customer: CustomerForm?
    public var data: [String: String]?
    public var force: Bool?

    public init(orderID: String?, event: String?, customer: CustomerForm?, data: [String: String]? = nil, force: Bool? = nil) {
        self.orderID = orderID
        self.event = event
        self.customer = customer
        self.data = data
        self.force = force
    }

    enum CodingKeys: String, CodingKey {
        case event, customer, data, force
        case orderID = "order_id"
    }

    public func validate(events: [String], defaultCountryCode: String?) -> Result<NotificationRequest, ProblemList> {
        var problems: [String: String] = [:]
        let orderID = (self.orderID ?? "").trimmingCharacters(in: .whitespaces)
        if orderID.isEmpty { problems["order_id"] = "required, a non-empty string" }
        if orderID.count > 200 { problems["order_id"] = "at most 200 characters" }
        let event = event ?? ""
        if !events.contains(event) { problems["event"] = "must be one of \(events.joined(separator: ", "))" }
        let form = customer ?? CustomerForm(name: nil)
        if customer == nil { problems["customer"] = "required" }
        let name = (form.name ?? "").trimmingCharacters(in: .whitespaces)
        if customer != nil && name.isEmpty { problems["customer.name"] = "required, a non-empty string" }
        var email: String?
        if let text = form.email, !text.isEmpty {
            if case .success(let address) = MailAddress.parse(Substring(text)) {
                email = address.description.lowercased()
            } else {
                problems["customer.email"] = "\"\(text)\" is not a mail address"
            }
        }
        var phone: String?
        if let text = form.phone, !text.isEmpty {
            phone = PhoneNumber.e164(text, defaultCountryCode: defaultCountryCode)
            if phone == nil { problems["customer.phone"] = "\"\(text)\" is not a phone number" }
        }
        if customer != nil && (form.email ?? "").isEmpty && (form.phone ?? "").isEmpty {
            problems["customer"] = "needs an email or a phone"
        }
        var preference: ChannelPreference?
        if let text = form.channelPreference, !text.isEmpty {
            preference = ChannelPreference(rawValue: text)
            if preference == nil { problems["customer.channel_preference"] = "must be sms, email or both" }
        }
        if let zone = form.timeZone, !zone.isEmpty, TimeZone(identifier: zone) == nil {
            problems["customer.time_zone"] = "unknown time zone \"\(zone)\" (use an IANA name such as Europe/Warsaw)"
        }
        if let locale = form.locale, !locale.isEmpty, !NotificationTemplates.locales.contains(locale) {
            problems["customer.locale"] = "must be pl or en"
        }
        for (key, value) in data ?? [:] where value.count > 2000 { problems["data.\(key)"] = "at most 2000 characters" }
        guard problems.isEmpty else { return .failure(ProblemList(problems)) }
        func nonEmpty(_ text: String?) -> String? { text.flatMap { $0.isEmpty ? nil : $0 } }
        let customer = Customer(name: name, email: email, phone: phone, channelPreference: preference,
                                timeZone: nonEmpty(form.timeZone), locale: nonEmpty(form.locale))
        return .success(NotificationRequest(orderID: orderID, event: event, customer: customer, data: data ?? [:], force: force ?? false))
    }
}
