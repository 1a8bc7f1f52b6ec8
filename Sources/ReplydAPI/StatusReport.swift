import Foundation
import ReplydCore

/// What a running server says about itself, beside the store's figures.
public struct ServerIdentity: Sendable, Equatable {
    public var version: String
    public var smtp: String
    public var http: String
    public var startedAt: Date

    public init(version: String = "?", smtp: String = "?", http: String = "?", startedAt: Date = Date()) {
        self.version = version
        self.smtp = smtp
        self.http = http
        self.startedAt = startedAt
    }
}

/// `GET /api/v1/status` and `replyd status`: one Codable type on both sides of the wire (snake_case
/// keys, ISO 8601 instants).
public struct StatusReport: Codable, Sendable, Equatable {
    public var version: String
    public var smtp: String
    public var http: String
    public var startedAt: Date
    public var uptimeSeconds: Int
    public var inboundMessages: Int
    public var inboundSms: Int
    /// Pending or deferred items per channel.
    public var queued: [String: Int]
    public var failed: Int
    public var oldestQueuedAt: Date?
    public var activeVacations: Int

    public init(identity: ServerIdentity, figures: StoreStatus, now: Date) {
        version = identity.version
        smtp = identity.smtp
        http = identity.http
        startedAt = identity.startedAt
        uptimeSeconds = max(0, Int(now.timeIntervalSince(identity.startedAt)))
        inboundMessages = figures.inboundMessages
        inboundSms = figures.inboundSMS
        queued = figures.queued
        failed = figures.failed
        oldestQueuedAt = figures.oldestQueuedAt
        activeVacations = figures.activeVacations
    }

    /// Every key is written, `oldest_queued_at` as null when nothing is queued (the document's contract).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(smtp, forKey: .smtp)
        try container.encode(http, forKey: .http)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(uptimeSeconds, forKey: .uptimeSeconds)
        try container.encode(inboundMessages, forKey: .inboundMessages)
        try container.encode(inboundSms, forKey: .inboundSms)
        try container.encode(queued, forKey: .queued)
        try container.encode(failed, forKey: .failed)
        try container.encode(oldestQueuedAt, forKey: .oldestQueuedAt)
        try container.encode(activeVacations, forKey: .activeVacations)
    }

    /// Decodes what `APIResponse` encoded.
    public static func decode(_ data: Data) throws -> StatusReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(StatusReport.self, from: data)
    }
}
