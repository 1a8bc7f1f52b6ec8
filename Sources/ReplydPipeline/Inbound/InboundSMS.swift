import Foundation

/// One SMS as a provider's webhook delivered it, after the edge checked its signature and form.
public struct InboundSMS: Sendable, Equatable {
    /// `generic`, `twilio`, …: with `providerID`, what recognises a retried webhook.
    public var provider: String
    public var providerID: String
    public var sender: String
    /// The number it was sent to: ours.
    public var recipient: String
    public var text: String
    public var receivedAt: Date

    public init(provider: String, providerID: String, sender: String, recipient: String, text: String, receivedAt: Date) {
        self.provider = provider
        self.providerID = providerID
        self.sender = sender
        self.recipient = recipient
        self.text = text
        self.receivedAt = receivedAt
    }
}
