import Foundation
import Hummingbird

/// `/api/v1/queue`: what `replyd queue` lists, retries and drops.
extension AdminAPI {
    func listQueue(_ request: APIRequest) async throws -> Response {
        let (limit, offset) = try request.paging()
        let statuses = ["pending", "deferred", "sent", "failed", "dropped", "suppressed"]
        let wanted = request.query["status"]
        if let wanted, !statuses.contains(wanted) {
            throw APIError.invalid(["status": "must be one of \(statuses.joined(separator: ", "))"])
        }
        let (entries, total) = try await store.queuePage(status: wanted, limit: limit, offset: offset)
        let items = entries.map(AdminReports.QueueItem.init)
        return try APIResponse.encode(Page(items: items, total: total, limit: limit, offset: offset))
    }

    func queueID(_ request: APIRequest) throws -> Int64 {
        guard let id = Int64(request.parameter("id")), id > 0 else { throw APIError.invalid(["id": "must be a positive queue id"]) }
        return id
    }

    func getQueueItem(_ request: APIRequest) async throws -> Response {
        let id = try queueID(request)
        guard let item = try await AdminReports(store: store).queueItem(id: id) else { throw APIError.notFound("no queue item \(id)") }
        return try APIResponse.encode(item)
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
