import Foundation
import ReplydCore

/// Asks mProfi (GETINCOMING) for the SMS it received since the last poll and hands each on once.
///
/// Each window starts `overlap` before the end of the last one whose messages were all handed
/// on: mProfi's times have whole seconds, its clock is not ours, and a message may be listed a
/// little after its time. A failed request or hand-off leaves the start where it was, so the next
/// poll asks again for everything since and nothing is lost. A message listed again is skipped
/// here while it is recent; after that (a restart, say) the store knows it by (provider, id).
public actor MProfiPoller {
    public typealias Fetch = @Sendable (SMSProviderAPI.Request) async throws -> (status: Int, body: [UInt8])
    public typealias Deliver = @Sendable (MProfiIncomingSMS) async throws -> Void

    /// What one poll did.
    public struct Report: Sendable, Equatable {
        /// Messages in the answers, new or not.
        public var listed = 0
        /// Messages handed on for the first time by this poller.
        public var handedOn = 0
        /// Entries that could not be used, each reported once.
        public var rejected: [String] = []
    }

    public struct PollError: Error, CustomStringConvertible {
        /// The HTTP status when mProfi answered with an error.
        public var status: Int?
        public var description: String
    }

    /// The start of the next window, to be kept across restarts.
    public private(set) var since: Date
    private var handled: [String: Date] = [:]
    private let baseURL: String
    private let apiKey: String
    private let defaultCountryCode: String?
    private let overlap: TimeInterval
    /// Longest window per request, so catching up after a long stop does not ask for one huge answer.
    private let maxSpan: TimeInterval
    private let clock: @Sendable () -> Date
    private let fetch: Fetch
    private let deliver: Deliver

    /// How far back a saved start is honoured: older windows would answer texts nobody waits for.
    public static let maxLookback: TimeInterval = 7 * 86_400

    /// - Parameter resumeAt: `since` saved by an earlier run; nil starts at the first poll's time
    ///   less the overlap, so turning polling on does not answer old texts.
    public init(baseURL: String, apiKey: String, defaultCountryCode: String?, resumeAt: Date?, overlap: Duration = .seconds(60),
                maxSpan: Duration = .seconds(3600), clock: @escaping @Sendable () -> Date = { Date() },
                fetch: @escaping Fetch, deliver: @escaping Deliver) {
        let now = clock()
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.defaultCountryCode = defaultCountryCode
        self.overlap = overlap.timeInterval
        self.maxSpan = max(maxSpan.timeInterval, 2 * overlap.timeInterval)
        self.clock = clock
        self.fetch = fetch
        self.deliver = deliver
        self.since = resumeAt.map { min(max($0, now.addingTimeInterval(-Self.maxLookback)), now) }
            ?? now.addingTimeInterval(-overlap.timeInterval)
    }

    /// Every window from `since` to now. Throws at the first failure, with `since` at the start of
    /// the window that failed.
    public func poll() async throws -> Report {
        let now = clock()
        var report = Report()
        var until: Date
        repeat {
            until = min(now, since.addingTimeInterval(maxSpan))
            try await window(from: since, to: until, now: now, report: &report)
            since = until.addingTimeInterval(-overlap)
        } while until < now
        // Listed again only while inside a window; the store still recognises anything dropped too early.
        handled = handled.filter { $0.value > now.addingTimeInterval(-3 * overlap) }
        return report
    }

    private func window(from: Date, to: Date, now: Date, report: inout Report) async throws {
        let request = MProfiIncoming.request(from: from, to: to, baseURL: baseURL, apiKey: apiKey)
        let range = "\(MProfiIncoming.dateText(from)) to \(MProfiIncoming.dateText(to))"
        let answer: (status: Int, body: [UInt8])
        do {
            answer = try await fetch(request)
        } catch {
            throw PollError(status: nil, description: "GETINCOMING \(range): \(error)")
        }
        guard (200..<300).contains(answer.status) else {
            throw PollError(status: answer.status,
                            description: "GETINCOMING \(range): status \(answer.status), \(MProfiIncoming.excerpt(answer.body))")
        }
        let decoded: MProfiIncoming.Decoded
        do {
            decoded = try MProfiIncoming.decode(answer.body, defaultCountryCode: defaultCountryCode)
        } catch {
            throw PollError(status: answer.status, description: "GETINCOMING \(range): \(error.description)")
        }
        report.listed += decoded.messages.count
        for message in decoded.messages where handled[message.id] == nil {
            do {
                try await deliver(message)
            } catch {
                throw PollError(status: nil, description: "mProfi message \(message.id) from \(message.sender) not recorded: \(error)")
            }
            handled[message.id] = now
            report.handedOn += 1
        }
        for problem in decoded.rejected where handled["rejected " + problem] == nil {
            handled["rejected " + problem] = now
            report.rejected.append(problem)
        }
    }
}
