import Foundation
import ReplydCore

/// Where an inbound message goes: which mail list or mailbox a mail recipient is, which SMS lists
/// a text is for. Reads only.
enum Router {
    enum MailRoute {
        case mailList(MailList)
        /// A mailbox with a vacation set, or none (the decision says `no-vacation`).
        case mailbox(Vacation?)
    }

    /// A mail list at the address (or at it without its `+tag`) comes first; then a vacation.
    static func route(mailTo recipient: String, delimiter: Character?, in tx: any ReplyTransaction) throws -> MailRoute {
        let candidates = addresses(recipient, delimiter: delimiter)
        for candidate in candidates {
            if let list = try tx.mailList(address: candidate) { return .mailList(list) }
        }
        for candidate in candidates {
            if let vacation = try tx.vacation(address: candidate) { return .mailbox(vacation) }
        }
        return .mailbox(nil)
    }

    /// The address, then the address without its `+tag`.
    static func addresses(_ address: String, delimiter: Character?) -> [String] {
        var candidates = [address]
        if let delimiter, let at = address.lastIndex(of: "@"),
           let cut = address[..<at].firstIndex(of: delimiter), cut > address.startIndex {
            candidates.append(String(address[..<cut] + address[at...]))
        }
        return candidates
    }

    /// The lists at the number the text was sent to, and which of them it is for; nil when the
    /// number has none.
    static func route(_ sms: InboundSMS, in tx: any ReplyTransaction) throws -> SMSRouting.Route? {
        SMSRouting.route(text: sms.text, lists: try tx.smsLists(number: sms.recipient))
    }
}
