import Foundation

/// What happened when a reply was handed to a mail server or an SMS provider, and what to do next. Pure.
public enum DeliveryOutcome: Sendable, Equatable {
    /// The far side took it: a mail server's 250 to the end of DATA, a provider's 2xx. `code` and
    /// `detail` are its answer (SMTP reply code, or HTTP status and the provider's message id).
    case delivered(host: String, code: Int, detail: String, tlsVersion: String?)
    /// 4xx, connection refused, time-out, TLS failure where TLS was only preferred...: try later.
    case temporary(host: String?, reason: String)
    /// 5xx, or a failure that retrying cannot fix.
    case permanent(host: String?, reason: String)
}

extension DeliveryOutcome {
    /// The attempt as a store records it (the same row in every store).
    public struct AttemptRow: Sendable, Equatable {
        /// `delivered`, `temporary` or `permanent`.
        public var outcome: String
        public var host: String?
        /// The reply code the far side's answer starts with, when it does.
        public var replyCode: Int?
        /// The far side's answer, or what went wrong.
        public var detail: String
        public var tlsVersion: String?
        /// What the attempt record says: `detail`, and that it may be a duplicate when it resumed an
        /// interrupted attempt.
        public var recordedDetail: String
    }

    /// - Parameter resumed: the item's lease was taken over from an interrupted attempt, so the far
    ///   side may have it twice.
    public func attemptRow(resumed: Bool) -> AttemptRow {
        let note = resumed ? " [resumed after an interrupted attempt: may be a duplicate]" : ""
        let (outcome, host, code, detail, tls): (String, String?, Int?, String, String?)
        switch self {
        case .delivered(let remote, let replyCode, let text, let version):
            (outcome, host, code, detail, tls) = ("delivered", remote, replyCode, text, version)
        case .temporary(let remote, let reason):
            (outcome, host, code, detail, tls) = ("temporary", remote, Self.code(in: reason), reason, nil)
        case .permanent(let remote, let reason):
            (outcome, host, code, detail, tls) = ("permanent", remote, Self.code(in: reason), reason, nil)
        }
        return AttemptRow(outcome: outcome, host: host, replyCode: code, detail: detail, tlsVersion: tls, recordedDetail: detail + note)
    }

    static func code(in text: String) -> Int? {
        let digits = text.prefix(3)
        return digits.count == 3 && digits.allSatisfy(\.isNumber) ? Int(digits) : nil
    }
}

public struct RetrySchedule: Sendable, Equatable {
    public var firstRetry: Duration
    public var maxInterval: Duration
    /// Give up (permanent failure) once a reply has waited this long.
    public var maxAge: Duration

    public init(firstRetry: Duration = .seconds(60), maxInterval: Duration = .seconds(3600), maxAge: Duration = .seconds(5 * 86_400)) {
        self.firstRetry = firstRetry
        self.maxInterval = maxInterval
        self.maxAge = maxAge
    }

    public enum Next: Sendable, Equatable {
        case done
        case retry(at: Date)
        case giveUp(reason: String)
    }

    /// After attempt number `attempts` (1 = the first) of an item queued at `queuedAt`.
    public func next(after outcome: DeliveryOutcome, attempts: Int, queuedAt: Date, now: Date) -> Next {
        switch outcome {
        case .delivered:
            return .done
        case .permanent(_, let reason):
            return .giveUp(reason: reason)
        case .temporary(_, let reason):
            // Exponential back-off: first, 2x, 4x ... capped.
            let exponent = min(max(attempts - 1, 0), 30)
            let interval = min(seconds(firstRetry) * pow(2, Double(exponent)), seconds(maxInterval))
            let at = now.addingTimeInterval(interval)
            if at.timeIntervalSince(queuedAt) > seconds(maxAge) {
                return .giveUp(reason: "gave up after \(attempts) attempts over \(Int(now.timeIntervalSince(queuedAt)))s: \(reason)")
            }
            return .retry(at: at)
        }
    }

    func seconds(_ duration: Duration) -> Double { duration.timeInterval }
}

extension Duration {
    /// Seconds as a `TimeInterval`, fractions included (`.milliseconds(500)` is 0.5).
    public var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
