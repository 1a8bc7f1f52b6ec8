import Foundation

/// What the rest of replyd needs from storage, named by use rather than by table. SQLite implements
/// it today; a PostgreSQL implementation can follow without touching the callers (DESIGN.md).
public protocol InboundStore: Sendable {
    /// Commits the message durably and returns its id. Throws when nothing was stored; a message is
    /// never half-stored.
    func recordInbound(_ message: InboundMessage) async throws -> Int64
}

public protocol InboundLogReader: Sendable {
    /// Newest first.
    func recentInbound(limit: Int) async throws -> [InboundSummary]
}

/// One line of `replyd log`.
public struct InboundSummary: Sendable, Equatable, Codable {
    public var id: Int64
    public var receivedAt: Date
    public var channel: String
    public var sender: String
    public var recipients: [String]
    public var subject: String?
    public var messageID: String?
    public var remoteAddress: String
    public var tlsVersion: String?
    /// The name the client gave in EHLO or HELO.
    public var helo: String?
    public var size: Int
    /// What SPF said of the sender at SMTP time; nil when it was not checked.
    public var spf: SPFResult?
    /// The Received (and Received-SPF) fields written when it was accepted, CRLF-separated.
    public var trace: String?
    /// One entry per decided recipient: `replied` or the suppression reason.
    public var decisions: [String] = []
    /// One entry per queued reply: `queued`, `deferred`, `sent`, `failed` or `dropped`.
    public var deliveries: [String] = []

    public init(id: Int64, receivedAt: Date, channel: String, sender: String, recipients: [String],
                subject: String?, messageID: String?, remoteAddress: String, tlsVersion: String?, size: Int) {
        self.id = id
        self.receivedAt = receivedAt
        self.channel = channel
        self.sender = sender
        self.recipients = recipients
        self.subject = subject
        self.messageID = messageID
        self.remoteAddress = remoteAddress
        self.tlsVersion = tlsVersion
        self.size = size
    }
}
