import Crypto
import Foundation
import ReplydCore

/// One SMS that mProfi received for us, as its GETINCOMING method lists it, with the numbers in E.164.
public struct MProfiIncomingSMS: Sendable, Equatable {
    /// mProfi's message id; derived from the other fields when the answer carries none (see `MProfiIncoming.decode`).
    public var id: String
    public var sender: String
    /// Our number it was sent to.
    public var recipient: String
    public var text: String
    /// mProfi's `ts` as written ("2015-02-16 10:24:40", Polish time).
    public var timestamp: String

    public init(id: String, sender: String, recipient: String, text: String, timestamp: String) {
        self.id = id
        self.sender = sender
        self.recipient = recipient
        self.text = text
        self.timestamp = timestamp
    }
}

/// mProfi's GETINCOMING method (API 1.0): `POST {base}/getincoming/` with JSON
/// `{"apikey", "date_from", "date_to"}` (dates "YYYY-MM-DD HH:MM:SS") answers the SMS received in
/// that range, each `{"id"?, "sender", "recipient", "message", "ts"}`. Pure: the poller carries it.
public enum MProfiIncoming {
    /// What one answer held: the usable messages and, for each entry that was not usable, why.
    public struct Decoded: Sendable, Equatable {
        public var messages: [MProfiIncomingSMS]
        public var rejected: [String]

        public init(messages: [MProfiIncomingSMS], rejected: [String]) {
            self.messages = messages
            self.rejected = rejected
        }
    }

    /// The answer as a whole cannot be read, so nothing in it can be trusted.
    public struct DecodeError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static func request(from: Date, to: Date, baseURL: String, apiKey: String) -> SMSProviderAPI.Request {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return SMSProviderAPI.Request(url: "\(base)/getincoming/", headers: ["Content-Type": "application/json"],
                                      body: SMSProviderAPI.json(["apikey": apiKey, "date_from": dateText(from), "date_to": dateText(to)]))
    }

    /// mProfi is a Polish service and its examples give local wall-clock times without a zone.
    static let timeZone = TimeZone(identifier: "Europe/Warsaw") ?? TimeZone(secondsFromGMT: 3600)!

    /// "YYYY-MM-DD HH:MM:SS" in Polish time. Seconds are truncated; the poller's overlap covers them.
    static func dateText(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                      parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// The messages of a 2xx answer: a JSON array of entries, or an object with them under
    /// `result` (how mProfi wraps its sendbulk answer). An entry that misses a field or has a
    /// number that is not one is left out and named in `rejected`, so one odd message cannot
    /// hold up every other in the same window.
    public static func decode(_ body: [UInt8], defaultCountryCode: String?) throws(DecodeError) -> Decoded {
        let answer: Answer
        do {
            answer = try JSONDecoder().decode(Answer.self, from: Data(body))
        } catch is Answer.Shape {
            throw DecodeError(description: "expected a JSON array of messages (or {\"result\": [...]}), found \(excerpt(body))")
        } catch {
            throw DecodeError(description: "not JSON: \(excerpt(body))")
        }
        var decoded = Decoded(messages: [], rejected: [])
        for (index, entry) in answer.entries.enumerated() {
            switch message(entry, position: index + 1, defaultCountryCode: defaultCountryCode) {
            case .success(let message): decoded.messages.append(message)
            case .failure(let problem): decoded.rejected.append(problem.description)
            }
        }
        return decoded
    }

    /// The answer's entries, each kept whatever it holds so that one bad entry is named, not fatal.
    struct Answer: Decodable {
        struct Shape: Error {}
        enum Key: String, CodingKey { case result }

        var entries: [Entry]

        init(from decoder: any Decoder) throws {
            if let list = try? decoder.singleValueContainer().decode([Entry].self) {
                entries = list
            } else if let list = try? decoder.container(keyedBy: Key.self).decode([Entry].self, forKey: .result) {
                entries = list
            } else {
                throw Shape()
            }
        }
    }

    /// One entry: an object's fields, or nothing usable.
    struct Entry: Decodable {
        var fields: [String: Field]?

        init(from decoder: any Decoder) {
            fields = try? decoder.singleValueContainer().decode([String: Field].self)
        }
    }

    /// A field as far as an entry needs it. mProfi may write ids and numbers as JSON numbers or
    /// strings; true or 1.5 is neither.
    enum Field: Decodable {
        case text(String)
        case number(Int64)
        case other

        init(from decoder: any Decoder) {
            let container = try? decoder.singleValueContainer()
            if let text = try? container?.decode(String.self) {
                self = .text(text)
            } else if let number = try? container?.decode(Int64.self) {
                self = .number(number)
            } else {
                self = .other
            }
        }
    }

    /// - Parameter position: names an entry without an id in the problem; one with an id is named by
    ///   it, which stays the same while later windows list it at other positions.
    static func message(_ entry: Entry, position: Int, defaultCountryCode: String?) -> Result<MProfiIncomingSMS, DecodeError> {
        guard let fields = entry.fields else { return .failure(DecodeError(description: "entry \(position): not an object")) }
        func text(_ name: String) -> String? {
            switch fields[name] {
            case .text(let value): value
            case .number(let value): "\(value)"
            case .other, nil: nil
            }
        }
        var problems: [String] = []
        let sender = text("sender"), recipient = text("recipient"), timestamp = text("ts")
        let body: String? = if case .text(let value) = fields["message"] { value } else { nil }
        for (name, value) in [("sender", sender), ("recipient", recipient), ("message", body), ("ts", timestamp)] where value == nil {
            problems.append("\(name) missing")
        }
        let senderNumber = sender.flatMap { phoneNumber($0, defaultCountryCode: defaultCountryCode) }
        let recipientNumber = recipient.flatMap { phoneNumber($0, defaultCountryCode: defaultCountryCode) }
        if let sender, senderNumber == nil { problems.append("sender \"\(sender)\" is not a phone number") }
        if let recipient, recipientNumber == nil { problems.append("recipient \"\(recipient)\" is not a phone number") }
        guard problems.isEmpty, let sender, let recipient, let senderNumber, let recipientNumber, let body, let timestamp else {
            let name = text("id").map { "message id \($0)" } ?? "entry \(position)"
            return .failure(DecodeError(description: "\(name): " + problems.joined(separator: ", ")))
        }
        return .success(MProfiIncomingSMS(id: text("id") ?? derivedID(sender: sender, recipient: recipient, text: body, timestamp: timestamp),
                                          sender: senderNumber, recipient: recipientNumber, text: body, timestamp: timestamp))
    }

    /// mProfi's published examples show no id. Overlapping windows list a message again with the
    /// same fields, so a digest of them recognises it as well as an id would; only two equal texts
    /// from one number within the same second would count as one.
    static func derivedID(sender: String, recipient: String, text: String, timestamp: String) -> String {
        let digest = SHA256.hash(data: Data([timestamp, sender, recipient, text].joined(separator: "\u{1F}").utf8))
        return "sha256:" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// mProfi writes numbers the way its send API takes them, digits with the country code and no
    /// plus ("48600100200"); fewer than 11 digits, or a leading 0, is a national number.
    public static func phoneNumber(_ text: String, defaultCountryCode: String?) -> String? {
        let compact = text.filter { !" -.()\t".contains($0) }
        let digitsOnly = !compact.isEmpty && compact.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
        if digitsOnly && compact.count >= 11 && !compact.hasPrefix("0") {
            return PhoneNumber.e164("+" + compact, defaultCountryCode: nil)
        }
        return PhoneNumber.e164(compact, defaultCountryCode: defaultCountryCode)
    }

    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(120), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return body.isEmpty ? "an empty body" : "\"\(text)\"" + (body.count > 120 ? "…" : "")
    }
}
