import Foundation
import ReplydCore

/// A message for the durable queue, typed by what it answers. Every column of `outbound` comes
/// from here; nothing rides in a borrowed one.
public struct OutboundMessage: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        /// An out-of-office reply on behalf of a mailbox.
        case vacation(mailbox: String)
        /// A mail list's answer to a keyword (intent: `SMSKeywords.Intent` raw value).
        case mailList(address: String, intent: String?)
        /// An SMS list's answer; a farewell's intent (`opt-out`) lets it pass the send-time opt-out gate.
        case smsList(key: String, intent: String)
        /// An order-status notification. `optOutList`: the list key whose STOPs an SMS honours.
        case notification(id: Int64, optOutList: String?)
    }

    public var channel: OutboundChannel
    public var origin: Origin
    /// Envelope sender (`""` for `<>`) or the sending number.
    public var envelopeFrom: String
    /// Envelope recipient or the number written to.
    public var recipient: String
    /// E-mail only.
    public var subject: String?
    /// As it goes on the wire: an RFC 5322 message, or the SMS text in UTF-8.
    public var data: [UInt8]
    /// The text a person reads (the body before MIME encoding), for dry runs.
    public var text: String
    /// The inbound mail this answers.
    public var inboundMail: Int64?
    public var createdAt: Date
    /// Not sent before (a notification held for quiet hours).
    public var dueAt: Date

    public init(channel: OutboundChannel, origin: Origin, envelopeFrom: String, recipient: String, subject: String?,
                data: [UInt8], text: String, inboundMail: Int64? = nil, createdAt: Date, dueAt: Date? = nil) {
        self.channel = channel
        self.origin = origin
        self.envelopeFrom = envelopeFrom
        self.recipient = recipient
        self.subject = subject
        self.data = data
        self.text = text
        self.inboundMail = inboundMail
        self.createdAt = createdAt
        self.dueAt = dueAt ?? createdAt
    }

    /// The vacation mailbox, for the `mailbox` column (the per-hour cap counts by it).
    public var mailbox: String? {
        if case .vacation(let mailbox) = origin { return mailbox }
        return nil
    }

    /// The mail list address or SMS list key whose subscriptions govern this message.
    public var listKey: String? {
        switch origin {
        case .vacation: nil
        case .mailList(let address, _): address
        case .smsList(let key, _): key
        case .notification(_, let list): list
        }
    }

    public var intent: String? {
        switch origin {
        case .mailList(_, let intent): intent
        case .smsList(_, let intent): intent
        case .vacation, .notification: nil
        }
    }

    public var notification: Int64? {
        if case .notification(let id, _) = origin { return id }
        return nil
    }

    /// The `kind` column: vacation, mail-list, sms-list or notification.
    public var kind: String {
        switch origin {
        case .vacation: "vacation"
        case .mailList: "mail-list"
        case .smsList: "sms-list"
        case .notification: "notification"
        }
    }
}
