/// The settings that take one of a few words: parsed once into these, so the rest of replyd
/// switches over cases instead of comparing strings.

/// `[replies] envelope_sender`.
public enum EnvelopeSender: String, Sendable, Equatable, CaseIterable {
    /// `<>` (RFC 3834: nothing answers or bounces an automatic reply).
    case null
    /// The mailbox's address, where a relay or SPF demands a real sender.
    case mailbox
}

/// `[storage] backend`.
public enum StorageBackend: String, Sendable, Equatable, CaseIterable {
    /// One file on this machine's disk; one node.
    case sqlite
    /// A PostgreSQL database several nodes share (`postgres_url`).
    case postgres
}

/// `[delivery] mode`.
public enum DeliveryMode: String, Sendable, Equatable, CaseIterable {
    /// Queue only; nothing leaves.
    case hold
    /// Everything to one smarthost.
    case relay
    /// Direct to each recipient domain's mail servers.
    case mx
}

/// `[delivery] relay_tls` and `mx_tls`.
public enum TLSPolicy: String, Sendable, Equatable, CaseIterable {
    /// STARTTLS with a verified certificate, or nothing is sent.
    case required
    /// TLS from the first byte (port 465).
    case implicit
    /// STARTTLS when offered, not verified (Postfix's "may").
    case opportunistic
    case none

    /// Whether credentials may travel over it.
    public var protectsCredentials: Bool { self == .required || self == .implicit }
}

/// `[sms] provider`.
public enum SMSProviderChoice: String, Sendable, Equatable, CaseIterable {
    /// Queued, never sent.
    case none
    case twilio
    case mprofi
    /// A generic JSON gateway at `provider_url`.
    case http
}
