import Foundation

/// What the store knows that the fatigue rules need.
public struct NotificationFacts: Sendable, Equatable {
    /// Notifications already sent or scheduled for this order (held ones do not count).
    public var sentForOrder: Int
    /// This event was already notified for this order.
    public var eventAlreadySent: Bool
    /// When the last notification to this customer (same phone or address) went or will go out.
    public var lastToCustomer: Date?
    /// The customer's number is opted out of SMS from the sending number.
    public var smsOptedOut: Bool

    public init(sentForOrder: Int = 0, eventAlreadySent: Bool = false, lastToCustomer: Date? = nil, smsOptedOut: Bool = false) {
        self.sentForOrder = sentForOrder
        self.eventAlreadySent = eventAlreadySent
        self.lastToCustomer = lastToCustomer
        self.smsOptedOut = smsOptedOut
    }
}

public struct NotificationDecision: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Queue on these channels, due at `at`.
        case send(channels: [NotificationChannel], at: Date)
        /// Recorded, never sent.
        case held(reason: String)
        /// The same (order, event) again without `force`: refused (409), nothing recorded.
        case duplicate
    }

    public var outcome: Outcome
    /// Why it was delayed or rerouted (`min-gap: …`, `quiet-hours: …`, `sms-opted-out: e-mail instead`).
    public var notes: [String]
}

/// The fatigue rules and the channel choice. Pure: the same request, facts and clock give the same
/// decision.
///
/// Order of the rules: one per order and event (409 unless forced); at most `maxPerOrder` per order
/// (held back: `order-limit`); the channel (preference first; a customer with no preference or
/// `both` falls back to the other channel when the first has no address or is opted out; an
/// explicit single preference never falls back: `sms-opted-out`, `no-sms-address`,
/// `no-email-address`); then timing: `min-gap` after the customer's last notification, and quiet
/// hours in the customer's time zone (queued until the window opens, not dropped).
public enum NotificationPolicy {
    public static func decide(_ request: NotificationRequest, facts: NotificationFacts, rules: NotificationRules,
                              now: Date) -> NotificationDecision {
        var notes: [String] = []
        if facts.eventAlreadySent && !request.force {
            return NotificationDecision(outcome: .duplicate, notes: [])
        }
        if facts.sentForOrder >= rules.maxPerOrder {
            return NotificationDecision(outcome: .held(reason: "order-limit: \(facts.sentForOrder) notifications for this order already (notifications.max_per_order = \(rules.maxPerOrder))"), notes: [])
        }

        let customer = request.customer
        func usable(_ channel: NotificationChannel) -> String? {
            guard rules.available.contains(channel) else { return "\(channel.rawValue)-not-configured" }
            switch channel {
            case .sms:
                if customer.phone == nil { return "no-sms-address" }
                if facts.smsOptedOut { return "sms-opted-out" }
            case .email:
                if customer.email == nil { return "no-email-address" }
            }
            return nil
        }
        var channels: [NotificationChannel] = []
        switch customer.channelPreference {
        case .sms?, .email?:
            let only: NotificationChannel = customer.channelPreference == .sms ? .sms : .email
            if let problem = usable(only) { return NotificationDecision(outcome: .held(reason: problem), notes: []) }
            channels = [only]
        case .both?:
            channels = [NotificationChannel.sms, .email].filter { usable($0) == nil }
            if channels.count == 1, let problem = usable(channels[0] == .sms ? .email : .sms) {
                notes.append("\(problem): \(channels[0].rawValue) only")
            }
        case nil:
            let first = rules.defaultChannel
            let second: NotificationChannel = first == .sms ? .email : .sms
            if let problem = usable(first) {
                if usable(second) == nil {
                    channels = [second]
                    notes.append("\(problem): \(second == .email ? "e-mail" : "SMS") instead")
                }
            } else {
                channels = [first]
            }
        }
        guard !channels.isEmpty else {
            let reasons = [NotificationChannel.sms, .email].compactMap(usable)
            return NotificationDecision(outcome: .held(reason: reasons.joined(separator: ", ")), notes: notes)
        }

        var at = now
        if let last = facts.lastToCustomer {
            let earliest = last.addingTimeInterval(rules.minGap.timeInterval)
            if earliest > at {
                at = earliest
                notes.append("min-gap: the customer's previous notification is at \(iso(last)); waits until \(iso(earliest))")
            }
        }
        if let quiet = rules.quietHours {
            let zone = zone(for: customer, rules: rules)
            let allowed = quiet.nextAllowed(after: at, in: zone)
            if allowed > at {
                notes.append("quiet-hours: \(quiet.description) in \(zone.identifier); queued until \(iso(allowed))")
                at = allowed
            }
        }
        return NotificationDecision(outcome: .send(channels: channels, at: at), notes: notes)
    }

    /// The zone quiet hours are read in: the customer's, else the site's.
    public static func zone(for customer: Customer, rules: NotificationRules) -> TimeZone {
        customer.timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: rules.timeZone) ?? .gmt
    }

    static func iso(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}
