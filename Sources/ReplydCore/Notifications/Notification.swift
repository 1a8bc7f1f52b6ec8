import Foundation

/// An order-status notification as a shop asks for it: which order, what happened, who to tell and
/// the template variables (order number, expected delivery, tracking link, carrier...).
public struct NotificationRequest: Sendable, Equatable, Codable {
    public var orderID: String
    public var event: String
    public var customer: Customer
    public var data: [String: String]
    /// Send even though this event was already notified for this order.
    public var force: Bool

    public init(orderID: String, event: String, customer: Customer, data: [String: String] = [:], force: Bool = false) {
        self.orderID = orderID
        self.event = event
        self.customer = customer
        self.data = data
        self.force = force
    }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case event, customer, data, force
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        orderID = try container.decode(String.self, forKey: .orderID)
        event = try container.decode(String.self, forKey: .event)
        customer = try container.decode(Customer.self, forKey: .customer)
        data = try container.decodeIfPresent([String: String].self, forKey: .data) ?? [:]
        force = try container.decodeIfPresent(Bool.self, forKey: .force) ?? false
    }
}

public struct Customer: Sendable, Equatable, Codable {
    public var name: String
    /// Lower-cased mail address.
    public var email: String?
    /// E.164.
    public var phone: String?
    public var channelPreference: ChannelPreference?
    /// IANA zone for quiet hours; nil: the site's.
    public var timeZone: String?
    /// "pl" or "en"; nil: the site's.
    public var locale: String?

    public init(name: String, email: String? = nil, phone: String? = nil, channelPreference: ChannelPreference? = nil,
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

public enum ChannelPreference: String, Sendable, Equatable, Codable, CaseIterable {
    /// SMS only.
    case sms
    /// E-mail only.
    case email
    /// Every channel the customer gave an address for.
    case both
}

public enum NotificationChannel: String, Sendable, Equatable, Codable, CaseIterable {
    case sms
    case email
}

/// The site's fatigue rules and defaults (`[notifications]`).
public struct NotificationRules: Sendable, Equatable {
    public var events: [String]
    public var maxPerOrder: Int
    /// Between two notifications to the same customer; a later one waits.
    public var minGap: Duration
    /// Local time window (minutes after midnight) in which nothing is sent; queued until it ends.
    public var quietHours: QuietHours?
    public var timeZone: String
    public var locale: String
    /// Tried first for a customer without a preference; the other channel is the fallback.
    public var defaultChannel: NotificationChannel
    /// Which channels are set up to send (a sender address or number is configured).
    public var available: Set<NotificationChannel>

    public init(events: [String] = Self.defaultEvents, maxPerOrder: Int = 4, minGap: Duration = .seconds(30 * 60),
                quietHours: QuietHours? = QuietHours(start: 21 * 60, end: 8 * 60), timeZone: String = "Europe/Warsaw",
                locale: String = "pl", defaultChannel: NotificationChannel = .sms, available: Set<NotificationChannel> = [.sms, .email]) {
        self.events = events
        self.maxPerOrder = maxPerOrder
        self.minGap = minGap
        self.quietHours = quietHours
        self.timeZone = timeZone
        self.locale = locale
        self.defaultChannel = defaultChannel
        self.available = available
    }

    public static let defaultEvents = ["confirmed", "shipped", "out_for_delivery", "delivered", "delayed", "cancelled"]
}
