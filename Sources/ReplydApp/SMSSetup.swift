import Foundation
import Logging
import ReplydConfig
import ReplydCore
import ReplydDelivery
import ReplydPipeline
import ReplydSMS
import Synchronization

extension Configuration {
    /// The SMS worker and its sender as configured, or nil when `sms.provider` is "none". SMS items
    /// share the durable queue, leases and retry schedule with e-mail; only the hand-off differs.
    func smsWorker(queue: any OutboundQueue, logger: Logger) throws -> (DeliveryWorker, SMSSender)? {
        guard let kind = smsProviderKind else { return nil }
        let provider = SMSProviderSettings(
            kind: kind, baseURL: sms.providerURL, twilioAccountSID: sms.twilioAccountSID, twilioAuthToken: sms.twilioAuthToken,
            mprofiAPIKey: sms.mprofiAPIKey, httpToken: sms.httpToken)
        let sender = try SMSSender(settings: provider, caFile: sms.providerCAFile, timeout: sms.providerTimeout,
                                   concurrency: sms.sendConcurrency)
        let worker = DeliveryWorker(
            queue: queue,
            // One text at a time per number: "shipped" never overtakes "confirmed" on the way out.
            options: .init(channel: .sms, concurrency: sms.sendConcurrency, perDestination: 1,
                           lease: delivery.lease, pollInterval: delivery.pollInterval,
                           schedule: RetrySchedule(firstRetry: delivery.firstRetry, maxInterval: delivery.maxRetryInterval,
                                                   maxAge: delivery.maxAge),
                           shutdownGrace: server.shutdownGrace),
            logger: logger,
            deliver: { await sender.send($0) })
        return (worker, sender)
    }

    var smsProviderKind: SMSProviderSettings.Kind? {
        switch sms.provider {
        case .none: nil
        case .twilio: .twilio
        case .mprofi: .mprofi
        case .http: .http
        }
    }

    var smsDescription: String {
        guard let kind = smsProviderKind else {
            return "hold: SMS replies are queued, not sent (set [sms] provider)"
        }
        let every = sms.mprofiPollInterval.timeInterval
        let interval = every < 1 ? "\(Int((every * 1000).rounded()))ms" : String(format: "%gs", every)
        let polling = mprofiPolls ? "; received SMS fetched every \(interval) (GETINCOMING)" : ""
        return "\(kind.rawValue) at \(sms.providerURL ?? SMSProviderSettings.defaultBaseURL(kind) ?? "?")" + polling
    }

    var mprofiPolls: Bool { sms.provider == .mprofi && sms.mprofiPollInterval > .zero }

    /// The service that polls mProfi for received SMS and feeds them to the pipeline as the
    /// webhooks do, and its HTTP client (to shut down); nil unless `sms.mprofi_poll_interval` is set.
    /// - Parameters:
    ///   - stateFile: where the start of the next window is kept, so a restart asks for what
    ///     arrived while replyd was stopped.
    ///   - queued: called after a reply was queued, so the SMS worker looks at once.
    func mprofiPolling(pipeline: MessagePipeline, stateFile: String, logger: Logger,
                       queued: @escaping @Sendable () -> Void) throws -> (PeriodicService, ProviderHTTP)? {
        guard mprofiPolls else { return nil }
        // A window of a busy account after a long stop can be large; a capped answer would fail every poll.
        let http = try ProviderHTTP(caFile: sms.providerCAFile, timeout: sms.providerTimeout, maxResponse: 16 << 20)
        let poller = MProfiPoller(
            baseURL: sms.providerURL ?? SMSProviderSettings.defaultBaseURL(.mprofi) ?? "",
            apiKey: sms.mprofiReceiveAPIKey ?? sms.mprofiAPIKey ?? "", defaultCountryCode: sms.defaultCountryCode,
            resumeAt: MProfiPollState.load(stateFile),
            fetch: { try await http.post($0) },
            deliver: { message in
                let outcome = try await pipeline.receive(InboundSMS(provider: "mprofi", providerID: message.id, sender: message.sender,
                                                                    recipient: message.recipient, text: message.text, receivedAt: Date()))
                if !outcome.queued.isEmpty { queued() }
            })
        // Failures in a row: an outage is logged when it starts and when it ends, not at every poll.
        let failures = Mutex<Int>(0)
        let service = PeriodicService(interval: sms.mprofiPollInterval, startImmediately: true) {
            do {
                let report = try await poller.poll()
                for problem in report.rejected { logger.warning("mprofi poll: skipped \(problem)") }
                MProfiPollState.save(await poller.since, to: stateFile, logger: logger)
                let failed = failures.withLock { count in defer { count = 0 }; return count }
                if failed > 0 { logger.notice("mprofi poll: working again after \(failed) failed polls") }
            } catch {
                let count = failures.withLock { count in count += 1; return count }
                guard count == 1 || count.isMultiple(of: 100) else { return }
                var hint = ""
                if let status = (error as? MProfiPoller.PollError)?.status, [401, 403].contains(status) {
                    hint = " (mProfi keys that send may not receive: set sms.mprofi_receive_api_key)"
                }
                logger.warning("mprofi poll failed (\(count) in a row; the next poll asks for the same window again): \(error)\(hint)")
            }
        }
        return (service, http)
    }
}

/// The start of the next GETINCOMING window in a small file beside the database: a lost or
/// damaged file only means starting from now again.
enum MProfiPollState {
    static func load(_ path: String) -> Date? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return try? Date(text.trimmingCharacters(in: .whitespacesAndNewlines), strategy: .iso8601)
    }

    static func save(_ date: Date, to path: String, logger: Logger) {
        // Whole seconds, rounded down: an earlier start only asks for a little more again.
        let text = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).formatted(.iso8601) + "\n"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            logger.warning("mprofi poll: cannot keep the poll position in \(path): \(error)")
        }
    }
}
