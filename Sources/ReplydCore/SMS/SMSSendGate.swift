import Foundation

/// The last check before an SMS leaves, whatever queued it (Twilio refuses such sends as error
/// 21610): a number opted out of a list gets nothing from that list, except the one farewell that
/// confirms the opt-out. An autoreply queued before the STOP and still waiting for a retry is
/// suppressed here. Pure.
public enum SMSSendGate {
    public enum Verdict: Sendable, Equatable {
        case send
        case suppress(reason: String)
    }

    /// A queued SMS as the queue sees it when it is about to be claimed.
    public struct Candidate: Sendable, Equatable {
        public var intent: String?
        public var queuedAt: Date
        public var optedOutAt: Date?

        public init(intent: String?, queuedAt: Date, optedOutAt: Date?) {
            self.intent = intent
            self.queuedAt = queuedAt
            self.optedOutAt = optedOutAt
        }
    }

    public static func verdict(_ candidate: Candidate) -> Verdict {
        verdict(intent: candidate.intent, queuedAt: candidate.queuedAt, optedOutAt: candidate.optedOutAt)
    }

    /// - Parameters:
    ///   - intent: what the queued SMS answers (`SMSKeywords.Intent` raw value, e.g. "opt-out" for a farewell).
    ///   - queuedAt: when it was queued.
    ///   - optedOutAt: when the number opted out of the list, nil when it is not opted out.
    public static func verdict(intent: String?, queuedAt: Date, optedOutAt: Date?) -> Verdict {
        guard let optedOutAt else { return .send }
        if intent == SMSKeywords.Intent.optOut.rawValue && queuedAt >= optedOutAt { return .send }
        return .suppress(reason: "opted-out: the number opted out of this list at \(ISO8601DateFormatter().string(from: optedOutAt))")
    }
}
