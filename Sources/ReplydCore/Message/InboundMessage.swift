import Foundation

/// An accepted e-mail as the rest of replyd sees it: envelope, trace facts, the header fields the
/// policy needs, and the raw bytes. Built by a pure function from what the SMTP session received.
public struct InboundMessage: Sendable, Equatable {
    public var envelopeSender: String
    public var recipients: [String]
    public var remoteAddress: String
    public var helo: String
    public var tlsVersion: String?
    public var receivedAt: Date
    public var size: Int
    public var messageID: String?
    public var from: String?
    public var to: String?
    public var cc: String?
    /// Decoded from RFC 2047.
    public var subject: String?
    public var autoSubmitted: String?
    public var precedence: String?
    public var listID: String?
    public var headers: HeaderFields
    public var raw: [UInt8]
    /// The SPF result of the envelope sender (or HELO name) for the client, when it was checked.
    public var spf: SPFResult?
    /// Whether the client said EHLO (the trace's protocol word).
    public var esmtp = true
    /// The host that accepted it (the trace's "by"); nil when it did not come over SMTP.
    public var receivedBy: String?

    /// The Received (and Received-SPF) fields for this message (RFC 5321 4.4), or nil. Written once, when
    /// the message is built on the connection's task, so the store's single writer only copies them.
    public private(set) var traceFields: String?

    public init(received: ReceivedMessage, receivedAt: Date) {
        let headers = HeaderFields.parse(received.data)
        envelopeSender = received.sender
        recipients = received.recipients
        remoteAddress = received.remoteAddress
        helo = received.helo
        tlsVersion = received.tls?.version
        self.receivedAt = receivedAt
        size = received.data.count
        messageID = headers.first("Message-ID")
        from = headers.first("From").map(EncodedWords.decode)
        to = headers.first("To")
        cc = headers.first("Cc")
        subject = headers.first("Subject").map(EncodedWords.decode)
        // Any instance other than "no" makes the message automatic (RFC 3834 / RFC 5230): keep them all.
        let autoSubmitted = headers.values("Auto-Submitted")
        self.autoSubmitted = autoSubmitted.isEmpty ? nil : autoSubmitted.joined(separator: ", ")
        precedence = headers.first("Precedence")
        listID = headers.first("List-Id")
        self.headers = headers
        raw = received.data
        spf = received.spf
        esmtp = received.esmtp
        receivedBy = received.receivedBy
        traceFields = received.receivedBy.map { TraceFields.fields(for: self, by: $0) }
    }
}
