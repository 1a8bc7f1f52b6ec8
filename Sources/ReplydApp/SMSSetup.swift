import Logging
import ReplydConfig
import ReplydCore
import ReplydDelivery
import ReplydSMS

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
        return "\(kind.rawValue) at \(sms.providerURL ?? SMSProviderSettings.defaultBaseURL(kind) ?? "?")"
    }
}
