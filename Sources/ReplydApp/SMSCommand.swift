import ArgumentParser
import Foundation
import ReplydCore
import ReplydStore

struct SMSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms",
        abstract: "SMS lists and tools.",
        subcommands: [Preview.self, ListSet.self, Lists.self, Log.self, Subscriber.self])

    struct ListSet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list-set",
            abstract: "Create or replace the SMS list reached at NUMBER (and --prefix), with its welcome, farewell, help and autoreply texts.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The number senders write to.") var number: String
        @Option(help: ArgumentHelp("A keyword that picks this list among several at the same number.",
                                   discussion: "\"PIZZA\" alone joins, \"PIZZA STOP\" leaves; a bare STOP leaves every list at the number."))
        var prefix: String?
        @Option(help: "The list's name.") var name: String
        @Option(help: "Sent on START (opt-in).") var welcome: String
        @Option(help: "Sent once on STOP (opt-out).") var farewell: String
        @Option(help: "Sent on HELP.") var help: String
        @Option(help: "Sent to anything else (once per --days per number).") var autoreply: String?
        @Flag(help: "Autoreply only to subscribed numbers.") var subscribersOnly = false
        @Flag(help: "Transliterate Polish letters so texts stay in GSM-7.") var transliterate = false
        @Option(help: "At most one autoreply per number per this many days.") var days: Int = 7
        @OptionGroup var words: KeywordOptions

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard let normalized = PhoneNumber.e164(number, defaultCountryCode: config.sms.defaultCountryCode) else {
                printError("\(number): not a phone number")
                throw ExitCode(1)
            }
            let keywords = try words.keywords()
            let form = SMSListForm(name: name, welcome: welcome, farewell: farewell, help: help, autoreply: autoreply,
                                   subscribersOnly: subscribersOnly, transliterate: transliterate, days: days,
                                   optOutWords: Array(keywords.optOut), optInWords: Array(keywords.optIn), helpWords: Array(keywords.help))
            let store = try await common.openStore(config)
            let list: SMSList
            switch form.validate(number: normalized, prefix: prefix, lists: try await store.smsLists()) {
            case .success(let valid): list = valid
            case .failure(let problems):
                let options = ["list": "--prefix", "days": "--days", "opt_out_words": "--opt-out-words", "opt_in_words": "--opt-in-words",
                               "help_words": "--help-words"]
                for (field, problem) in problems.fields.sorted(by: { $0.key < $1.key }) {
                    printError("\(options[field] ?? "--" + field): \(problem)")
                }
                throw ExitCode(1)
            }
            try await store.setSMSList(list, at: Date())
            try store.close()
            print("sms list \(name) set for \(normalized)\(list.prefix.map { " with prefix \($0)" } ?? "")")
            for (label, text) in [("welcome", welcome), ("farewell", farewell), ("help", help)] + (autoreply.map { [("autoreply", $0)] } ?? []) {
                let sent = transliterate ? SMSText.transliteratePolish(text) : text
                print("  \(label): \(SMSCommand.describe(SMSText.analyse(sent)))")
            }
        }
    }

    struct Lists: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "lists", abstract: "Show the SMS lists.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard let store = try await common.storeIfPresent(config) else {
                print("no sms lists")
                return
            }
            let lists = try await store.smsLists()
            if lists.isEmpty { print("no sms lists") }
            for list in lists {
                print("\(list.key)  \(list.name)\(list.autoreply == nil ? "" : "  autoreply")\(list.subscribersOnly ? "  subscribers only" : "")")
            }
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "log", abstract: "Show the newest inbound SMS, newest first, with what was done about each.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "One JSON object per line.") var json = false
        @Option(help: "How many messages to show.") var limit: Int = 20

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard let store = try await common.storeIfPresent(config) else { return }
            for sms in try await store.recentSMS(limit: limit) {
                if json {
                    print(JSONLine.encode([
                        "id": sms.id, "provider": sms.provider, "provider_id": sms.providerID, "sender": sms.sender,
                        "recipient": sms.recipient, "text": sms.text, "received_at": LogFormat.timestamp(sms.receivedAt),
                        "list": sms.list ?? NSNull(), "intent": sms.intent ?? NSNull(), "action": sms.action ?? NSNull(),
                        "reason": sms.reason ?? NSNull(), "outbound": sms.outbound ?? NSNull(),
                    ] as [String: Any]))
                    continue
                }
                let outcome = sms.action == "reply" ? "answered (outbound \(sms.outbound.map(String.init) ?? "?"))" : "not answered: \(sms.reason ?? "?")"
                print("\(sms.id)  \(LogFormat.timestamp(sms.receivedAt))  \(sms.sender) -> \(sms.recipient)  \(sms.intent ?? "-")  \(outcome)")
                print("    \(LogFormat.sanitize(sms.text))")
            }
        }
    }

    struct Subscriber: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A number's subscription on each SMS list (in or out), e.g. to check an opt-out.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "One JSON object per line.") var json = false
        @Argument(help: "The number, in E.164 (+48…).") var number: String

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard let store = try await common.storeIfPresent(config) else { return }
            let subscriptions = try await store.smsSubscriptions(number: number)
            if subscriptions.isEmpty && !json { print("\(number) is on no list") }
            for subscription in subscriptions {
                print(json ? JSONLine.encode(["list": subscription.list, "status": subscription.status]) : "\(subscription.list)  \(subscription.status)")
            }
        }
    }

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encoding (GSM-7 or UCS-2), length and parts of a text, and its GSM-7 form with Polish letters transliterated.")
        @Argument(help: "The text.") var text: String

        func run() {
            let analysis = SMSText.analyse(text)
            print(SMSCommand.describe(analysis))
            if analysis.encoding == .ucs2 {
                print("UCS-2 because of: \(analysis.nonGSMCharacters.map { "\($0)" }.joined(separator: " "))")
                let transliterated = SMSText.transliteratePolish(text)
                if transliterated != text {
                    print("transliterated: \(transliterated)")
                    print("  -> \(SMSCommand.describe(SMSText.analyse(transliterated)))")
                }
            }
        }
    }

    static func describe(_ analysis: SMSText.Analysis) -> String {
        let unit = analysis.encoding == .gsm7 ? "septets" : "UTF-16 units"
        let perPart = analysis.encoding == .gsm7 ? (analysis.parts == 1 ? 160 : 153) : (analysis.parts == 1 ? 70 : 67)
        return "\(analysis.encoding.rawValue), \(analysis.units) \(unit), \(analysis.parts) part\(analysis.parts == 1 ? "" : "s") (\(perPart) per part)"
    }
}
