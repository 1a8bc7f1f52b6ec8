import ArgumentParser
import Foundation
import ReplydConfig
import ReplydCore
import ReplydPipeline
import ReplydStore

struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Order-status notifications: send one (as POST /api/v1/notifications does), or show an order's.",
        subcommands: [Send.self, Show.self],
        defaultSubcommand: Send.self)

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Notify a customer of an order event, under the fatigue rules of [notifications].")
        @OptionGroup var common: CommonOptions
        @OptionGroup var notification: NotificationOptions

        func run() async throws {
            let config = try common.loadConfig().configuration
            let (request, setup) = try notification.request(config)
            let store = try await common.openStore(config)
            defer { try? store.close() }
            let outcome = try await MessagePipeline(store: store, engine: nil).notify(request, setup: setup, at: Date())
            if case .duplicateNotification(let previous) = outcome.inbound {
                printError("order \(request.orderID) was already notified of \(request.event) (notification \(previous)); --force to notify again")
                throw ExitCode(1)
            }
            if let record = try await store.notification(id: outcome.id) {
                print(NotifyCommand.describe(record))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An order's notifications with their delivery state.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The shop's order id.") var order: String

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard let store = try await common.storeIfPresent(config) else {
                print("no notifications for order \(order)")
                return
            }
            let records = try await store.notifications(order: order)
            if records.isEmpty { print("no notifications for order \(order)") }
            for record in records { print(NotifyCommand.describe(record)) }
        }
    }

    static func describe(_ record: NotificationRecord) -> String {
        var lines = ["notification \(record.id): order \(record.orderID) \(record.event): \(record.status)"
            + (record.reason.map { " (\($0))" } ?? "")
            + (record.sendAt.map { ", due \(LogFormat.timestamp($0))" } ?? "")]
        for note in record.notes { lines.append("  note: \(note)") }
        for delivery in record.deliveries {
            lines.append("  \(delivery.channel) to \(delivery.recipient): \(delivery.status)"
                + (delivery.sentAt.map { " at \(LogFormat.timestamp($0))" } ?? "")
                + (delivery.lastError.map { " (\(LogFormat.sanitize($0)))" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}

/// What `notify send` and `simulate notify` take: one notification request.
struct NotificationOptions: ParsableArguments {
    @Argument(help: "The shop's order id.") var order: String
    @Argument(help: "The event (default set: confirmed, shipped, out_for_delivery, delivered, delayed, cancelled).") var event: String
    @Option(help: "Customer's name.") var name: String
    @Option(help: "Customer's e-mail address.") var email: String?
    @Option(help: "Customer's phone number.") var phone: String?
    @Option(help: "sms, email or both.") var prefer: String?
    @Option(help: "Customer's time zone for quiet hours (IANA name).") var timeZone: String?
    @Option(help: "pl or en.") var locale: String?
    @Option(help: "A template variable, key=value (repeatable): order_number, expected_delivery, tracking_url, carrier, status_text…")
    var data: [String] = []
    @Flag(help: "Notify again although this event was notified for this order.") var force = false

    /// The validated request and the configured senders; prints the problems and exits 1 otherwise.
    func request(_ config: Configuration) throws -> (NotificationRequest, NotificationSetup) {
        guard let setup = config.notificationSetup else {
            printError("notifications are not configured: set notifications.email_from and/or notifications.sms_from")
            throw ExitCode(1)
        }
        var values: [String: String] = [:]
        for pair in data {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                printError("--data: expected key=value, found \"\(pair)\"")
                throw ExitCode(1)
            }
            values[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        let form = NotificationForm(orderID: order, event: event,
                                    customer: .init(name: name, email: email, phone: phone, channelPreference: prefer,
                                                    timeZone: timeZone, locale: locale),
                                    data: values, force: force)
        switch form.validate(events: setup.rules.events, defaultCountryCode: config.sms.defaultCountryCode) {
        case .success(let valid): return (valid, setup)
        case .failure(let problems):
            for (field, problem) in problems.fields.sorted(by: { $0.key < $1.key }) { printError("\(field): \(problem)") }
            throw ExitCode(1)
        }
    }
}
