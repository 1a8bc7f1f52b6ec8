import Foundation
import ReplydCore

/// The message path between the edges and the durable queue: inbound mail, SMS and notification
/// requests go in; each is routed, decided on, answered and recorded in one transaction of the
/// store, and the caller gets the typed `Outcome` only after that transaction has committed.
///
/// Concurrent messages are group-committed: whatever arrives while a transaction is being written
/// goes into the next one (one fsync for all of them). Dry runs go through the same flows in a
/// transaction that is rolled back.
public final class MessagePipeline: InboundStore, Sendable {
    public let store: any PipelineStore
    /// Nil: replies are off, messages are only recorded.
    public let engine: ReplyEngineSettings?
    private let mail: GroupCommitter<InboundMessage, Outcome>
    private let sms: GroupCommitter<InboundSMS, Outcome>

    public init(store: any PipelineStore, engine: ReplyEngineSettings?) {
        self.store = store
        self.engine = engine
        let lanes = store.concurrentTransactions
        mail = GroupCommitter(lanes: lanes) { batch in
            try await store.transaction { tx in try batch.map { try MailFlow.run($0, settings: engine, in: tx) } }
        }
        sms = GroupCommitter(lanes: lanes) { batch in
            try await store.transaction { tx in try batch.map { try SMSFlow.run($0, in: tx) } }
        }
    }

    public func recordInbound(_ message: InboundMessage) async throws -> Int64 {
        try await receive(message).id
    }

    public func receive(_ message: InboundMessage) async throws -> Outcome {
        let outcome = try await mail.submit(message)
        PipelineMetrics.recorded(outcome)
        return outcome
    }

    public func receive(_ text: InboundSMS) async throws -> Outcome {
        let outcome = try await sms.submit(text)
        PipelineMetrics.recorded(outcome)
        return outcome
    }

    public func notify(_ request: NotificationRequest, setup: NotificationSetup, at now: Date) async throws -> Outcome {
        let outcome = try await store.transaction { tx in try NotificationFlow.run(request, setup: setup, at: now, in: tx) }
        PipelineMetrics.recorded(outcome)
        return outcome
    }

    // MARK: Dry runs: the same flows, rolled back

    /// - Parameter vacation: unsaved settings that stand in for their mailbox's stored ones.
    public func rehearse(_ message: InboundMessage, vacation: Vacation? = nil) async throws -> Outcome {
        let engine = self.engine
        return try await store.rehearsal { tx in try MailFlow.run(message, settings: engine, vacationOverride: vacation, in: tx) }
    }

    public func rehearse(_ text: InboundSMS) async throws -> Outcome {
        try await store.rehearsal { tx in try SMSFlow.run(text, in: tx) }
    }

    public func rehearse(_ request: NotificationRequest, setup: NotificationSetup, at now: Date) async throws -> Outcome {
        try await store.rehearsal { tx in try NotificationFlow.run(request, setup: setup, at: now, in: tx) }
    }
}

extension MessagePipeline {
    /// The reply `vacation` sends to the sender of `message` when it answers, composed by the same
    /// stage as real replies; for previews of a sender that would not be answered right now.
    public static func draftReply(vacation: Vacation, answering message: InboundMessage, settings: ReplyEngineSettings?,
                                  localDomains: [String]) -> OutboundMessage {
        let sender = message.envelopeSender.lowercased()
        let domain = sender.split(separator: "@").last.map(String.init) ?? ""
        let plan = ReplyPlan(recipient: sender, mailbox: vacation.mailbox, internalSender: localDomains.contains(domain),
                             responseID: vacation.responseID, days: vacation.days)
        let settings = settings ?? ReplyEngineSettings(site: SiteRules(organisationDomains: Set(localDomains)),
                                                       makeMessageID: { _ in "<preview@replyd.invalid>" })
        return Composer.vacationReply(plan: plan, vacation: vacation, answering: message, inbound: nil, settings: settings)
    }
}
