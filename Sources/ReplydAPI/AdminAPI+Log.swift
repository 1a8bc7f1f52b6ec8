import Foundation
import Hummingbird
import ReplydCore

/// `/api/v1/log` and `/api/v1/messages/{id}`: what `replyd log` and `replyd explain` show.
extension AdminAPI {
    struct LogPage: Encodable, Sendable {
        var items: [AdminReports.LogEntry]
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
        let entries = try await store.recentInbound(limit: limit, beforeOrAt: before).map(AdminReports.LogEntry.init)
        let next = entries.count == limit ? entries.last.map(\.id) : nil
        return try APIResponse.encode(LogPage(items: entries, nextBefore: next))
    }

    func explainMessage(_ request: APIRequest) async throws -> Response {
        guard let id = Int64(request.parameter("id")), id > 0 else { throw APIError.invalid(["id": "must be a positive message id"]) }
        guard let explanation = try await AdminReports(store: store).explanation(message: id) else { throw APIError.notFound("no message \(id)") }
        return try APIResponse.encode(explanation)
    }
}
