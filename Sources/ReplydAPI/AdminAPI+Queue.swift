import Foundation
import Hummingbird

/// `/api/v1/queue`: what `replyd queue` lists, retries and drops.
extension AdminAPI {
    struct QueueItem: Encodable, Sendable {
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
    }

    func listQueue(_ request: APIRequest) async throws -> Response {
        let (limit, offset) = try request.paging()
        let statuses = ["pending", "deferred", "sent", "failed", "dropped", "suppressed"]
        let wanted = request.query["status"]
        if let wanted, !statuses.contains(wanted) {
            throw APIError.invalid(["status": "must be one of \(statuses.joined(separator: ", "))"])
        }
        let (entries, total) = try await store.queuePage(status: wanted, limit: limit, offset: offset)
        let items = entries
            .map { QueueItem(id: $0.id, channel: $0.channel, kind: $0.kind, intent: $0.intent, status: $0.displayStatus, recipient: $0.recipient,
                             envelopeSender: $0.envelopeSender, subject: $0.subject, createdAt: $0.createdAt,
                             nextAttemptAt: $0.nextAttemptAt, attempts: $0.attempts, lastError: $0.lastError,
                             sentAt: $0.sentAt, remoteHost: $0.remoteHost) }
        return try APIResponse.encode(Page(items: items, total: total, limit: limit, offset: offset))
    }

    func queueID(_ request: APIRequest) throws -> Int64 {
        guard let id = Int64(request.parameter("id")), id > 0 else { throw APIError.invalid(["id": "must be a positive queue id"]) }
        return id
    }

    func retryQueueItem(_ request: APIRequest) async throws -> Response {
        let id = try queueID(request)
        switch try await store.retryNow(id, at: clock()) {
        case .done: break
        case .notFound: throw APIError.notFound("no queued or failed item \(id)")
        case .inFlight: throw APIError.conflict("item \(id) is being delivered right now; try again when that attempt has finished")
        }
        let status = try await store.queueEntry(id: id).map(\.displayStatus) ?? "pending"
        return APIResponse.json(.ok, ["id": id, "status": status])
    }

    func dropQueueItem(_ request: APIRequest) async throws -> Response {
        let id = try queueID(request)
        switch try await store.drop(id, at: clock()) {
        case .done: break
        case .notFound: throw APIError.notFound("no queued or failed item \(id)")
        case .inFlight: throw APIError.conflict("item \(id) is being delivered right now: it cannot be dropped")
        }
        return APIResponse.noContent()
    }
}
