import Foundation
import ReplydCore

/// What the admin API and the command line both report about inbound messages and the queue: one
/// type each, encoded one way, so `replyd explain --json` prints what `GET /api/v1/messages/{id}`
/// returns and `replyd queue show --json` what `GET /api/v1/queue/{id}` does.
public struct AdminReports: Sendable {
    let store: any AdminStore

    public init(store: any AdminStore) {
        self.store = store
    }

    /// The API's encoding (snake_case keys, ISO 8601 dates, sorted keys), as text.
    public static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try APIResponse.encoder.encode(value), as: UTF8.self)
    }

    public struct LogEntry: Encodable, Sendable {
        var id: Int64
        var receivedAt: Date
        var channel: String
        var sender: String
        var recipients: [String]
        var subject: String?
        var messageId: String?
        var remoteAddress: String
        var tlsVersion: String?
        var helo: String?
        var size: Int
        var spf: SPFItem?
        /// Per decided recipient: `replied` or the reason it was not answered.
        var decisions: [String]
        var deliveries: [String]

        init(_ summary: InboundSummary) {
            id = summary.id
            receivedAt = summary.receivedAt
            channel = summary.channel
            sender = summary.sender
            recipients = summary.recipients
            subject = summary.subject
            messageId = summary.messageID
            remoteAddress = summary.remoteAddress
            tlsVersion = summary.tlsVersion
            helo = summary.helo
            size = summary.size
            spf = summary.spf.map(SPFItem.init)
            decisions = summary.decisions
            // The queue's words: a never-tried reply is "pending" there too.
            deliveries = summary.deliveries.map { $0 == "queued" ? "pending" : $0 }
        }
    }

    /// The SPF result as the log shows it.
    struct SPFItem: Encodable, Sendable {
        var result: String
        var identity: String
        var domain: String
        var detail: String
        var explanation: String?

        init(_ result: SPFResult) {
            self.result = result.code.rawValue
            identity = result.identity.rawValue
            domain = result.domain
            detail = result.detail
            explanation = result.explanation
        }
    }

    struct CheckItem: Encodable, Sendable {
        var rule: String
        var passed: Bool
        var detail: String
    }

    struct DecisionItem: Encodable, Sendable {
        var recipient: String
        var mailbox: String?
        var replied: Bool
        var reason: String?
        var checks: [CheckItem]
        var decidedAt: Date
        var reply: ReplyItem?
    }

    struct ReplyItem: Encodable, Sendable {
        var id: Int64
        var status: String
        var attempts: [AttemptItem]
    }

    struct AttemptItem: Encodable, Sendable {
        var at: Date
        var host: String?
        var outcome: String
        var replyCode: Int?
        var detail: String
        var tlsVersion: String?

        init(_ record: AttemptRecord) {
            tlsVersion = record.tlsVersion
            at = record.at
            host = record.host
            outcome = record.outcome
            replyCode = record.replyCode
            detail = record.detail
        }
    }

    struct HeaderItem: Encodable, Sendable {
        var name: String
        var value: String
    }

    public struct Explanation: Encodable, Sendable {
        var message: LogEntry
        /// The header fields of the bytes as received (unfolded, in order); empty once retention removed them.
        var headers: [HeaderItem]
        /// The bytes as received, base64; absent once retention removed them.
        var raw: String?
        /// The trace fields replyd wrote when it accepted the message (Received, Received-SPF),
        /// unfolded, kept beside the bytes rather than inside them.
        var trace: [String]
        var decisions: [DecisionItem]
    }

    public func explanation(message id: Int64) async throws -> Explanation? {
        guard let summary = try await store.inbound(id: id) else { return nil }
        var decisions: [DecisionItem] = []
        for record in try await store.decisions(message: id) {
            var reply: ReplyItem?
            if let outbound = record.outboundID {
                let attempts = try await store.attempts(outbound: outbound).map(AttemptItem.init)
                let status = try await store.queueEntry(id: outbound).map(\.displayStatus) ?? "unknown"
                reply = ReplyItem(id: outbound, status: status, attempts: attempts)
            }
            decisions.append(DecisionItem(
                recipient: record.recipient, mailbox: record.mailbox, replied: record.replied, reason: record.reason,
                checks: record.checks.map { CheckItem(rule: $0.rule.rawValue, passed: $0.passed, detail: $0.detail) },
                decidedAt: record.decidedAt, reply: reply))
        }
        // The bytes as received are the one record of the header section; the fields are read from them.
        let raw = try await store.rawMessage(id: id)
        let headers = raw.map { HeaderFields.parse($0).fields.map { HeaderItem(name: $0.name, value: $0.value) } } ?? []
        let trace = summary.trace.map { HeaderFields.parse(Array(($0 + "\r\n\r\n").utf8)).fields.map {
            // Unfolded, with the folding tab read as the space it stands for.
            "\($0.name): \($0.value.replacingOccurrences(of: "\t", with: " "))"
        } } ?? []
        return Explanation(message: LogEntry(summary), headers: headers, raw: raw.map { Data($0).base64EncodedString() },
                           trace: trace, decisions: decisions)
    }

    public struct QueueItem: Encodable, Sendable {
        var id: Int64
        var channel: String
        var kind: String
        var intent: String?
        var status: String
        var recipient: String
        var envelopeSender: String
        var subject: String?
        var createdAt: Date
        var nextAttemptAt: Date
        var attempts: Int
        var lastError: String?
        var sentAt: Date?
        var remoteHost: String?
        /// The inbound message it answers.
        var message: Int64?
        var notification: Int64?
        /// The mailbox a vacation reply answers for.
        var mailbox: String?
        /// The key of the mail or SMS list whose answer it is.
        var list: String?
        /// Only for one item: the bytes as they are sent (base64) and every attempt.
        var content: String?
        var deliveryAttempts: [AttemptItem]?

        init(_ entry: QueueEntry) {
            id = entry.id
            channel = entry.channel
            kind = entry.kind
            intent = entry.intent
            status = entry.displayStatus
            recipient = entry.recipient
            envelopeSender = entry.envelopeSender
            subject = entry.subject
            createdAt = entry.createdAt
            nextAttemptAt = entry.nextAttemptAt
            attempts = entry.attempts
            lastError = entry.lastError
            sentAt = entry.sentAt
            remoteHost = entry.remoteHost
            message = entry.inboundMessage
            notification = entry.notification
            mailbox = entry.mailbox
            list = entry.listKey
        }
    }

    /// One queue item with its content and its attempts.
    public func queueItem(id: Int64) async throws -> QueueItem? {
        guard let entry = try await store.queueEntry(id: id) else { return nil }
        var item = QueueItem(entry)
        item.content = try await store.outboundData(id: id).map { Data($0).base64EncodedString() }
        item.deliveryAttempts = try await store.attempts(outbound: id).map(AttemptItem.init)
        return item
    }
}
