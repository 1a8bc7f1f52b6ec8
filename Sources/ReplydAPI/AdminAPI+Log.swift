import Foundation
import Hummingbird
import ReplydCore

/// `/api/v1/log` and `/api/v1/messages/{id}`: what `replyd log` and `replyd explain` show.
extension AdminAPI {
    struct LogEntry: Encodable, Sendable {
        var id: Int64
        var receivedAt: Date
        var channel: String
        var sender: String
        var recipients: [String]
        var subject: String?
        var messageId: String?
        var remoteAddress: String
        var tlsVersion: String?
        var size: Int
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
            size = summary.size
            decisions = summary.decisions
            // The queue's words: a never-tried reply is "pending" there too.
            deliveries = summary.deliveries.map { $0 == "queued" ? "pending" : $0 }
        }
    }

    struct LogPage: Encodable, Sendable {
        var items: [LogEntry]
        /// Pass as `before` for the next (older) page; null at the end.
        var nextBefore: Int64?

        enum CodingKeys: String, CodingKey { case items, nextBefore }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(items, forKey: .items)
            // Always present (null on the last page), so a client can loop on it.
            try container.encode(nextBefore, forKey: .nextBefore)
        }
    }

    /// Newest first; `before` (an id) pages back through older messages.
    func getLog(_ request: APIRequest) async throws -> Response {
        let limit = try request.limit()
        var before = Int64.max
        if let text = request.query["before"] {
            guard let value = Int64(text), value > 0 else { throw APIError.invalid(["before": "must be a positive message id"]) }
            before = value - 1
        }
        let entries = try await store.recentInbound(limit: limit, beforeOrAt: before).map(LogEntry.init)
        let next = entries.count == limit ? entries.last.map(\.id) : nil
        return try APIResponse.encode(LogPage(items: entries, nextBefore: next))
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
        var detail: String
    }

    struct Explanation: Encodable, Sendable {
        var message: LogEntry
        var decisions: [DecisionItem]
    }

    func explainMessage(_ request: APIRequest) async throws -> Response {
        guard let id = Int64(request.parameter("id")), id > 0 else { throw APIError.invalid(["id": "must be a positive message id"]) }
        guard let summary = try await store.inbound(id: id) else { throw APIError.notFound("no message \(id)") }
        var decisions: [DecisionItem] = []
        for record in try await store.decisions(message: id) {
            var reply: ReplyItem?
            if let outbound = record.outboundID {
                let attempts = try await store.attempts(outbound: outbound).map { AttemptItem(at: $0.0, host: $0.1, outcome: $0.2, detail: $0.3) }
                let status = try await store.queueEntry(id: outbound).map(\.displayStatus) ?? "unknown"
                reply = ReplyItem(id: outbound, status: status, attempts: attempts)
            }
            decisions.append(DecisionItem(
                recipient: record.recipient, mailbox: record.mailbox, replied: record.replied, reason: record.reason,
                checks: record.checks.map { CheckItem(rule: $0.rule.rawValue, passed: $0.passed, detail: $0.detail) },
                decidedAt: record.decidedAt, reply: reply))
        }
        return try APIResponse.encode(Explanation(message: LogEntry(summary), decisions: decisions))
    }
}
