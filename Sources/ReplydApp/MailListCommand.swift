import ArgumentParser
import Foundation
import ReplydCore
import ReplydStore

struct MailListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail-list",
        abstract: "E-mail lists: mail to the list address with START, STOP or HELP as its subject or first line.",
        subcommands: [Set.self, Show.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace the e-mail list at ADDRESS with its welcome, farewell and help texts.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The list's address, in a local domain.") var address: String
        @Option(help: "The list's name (the From display name and the subject when the mail had none).") var name: String
        @Option(help: "Sent on START (subscribe).") var welcome: String
        @Option(help: "Sent once on STOP (unsubscribe).") var farewell: String
        @Option(help: "Sent on HELP.") var help: String
        @OptionGroup var words: KeywordOptions

        func run() async throws {
            let file = try common.loadConfig()
            let config = file.configuration
            let listAddress: String
            switch MailAddress.local(address, in: config.mail.localDomains.map { $0.lowercased() }) {
            case .success(let local): listAddress = local
            case .failure(.notAnAddress):
                printError("\(address): not a mail address")
                throw ExitCode(1)
            case .failure(.notLocal(let domain)):
                printError("\(address): \(domain) is not a local domain (mail.local_domains in \(file.displayName)); no mail for it would arrive")
                throw ExitCode(1)
            }
            let list = MailList(address: listAddress, name: name, welcome: welcome, farewell: farewell,
                                help: help, keywords: try words.keywords())
            let store = try await common.openStore(config)
            try await store.setMailList(list, at: Date())
            try store.close()
            print("mail list \(name) set at \(list.address)")
            if !config.mail.catchAll {
                print("note: mail.catch_all is off: a running replyd accepts \(list.address) within 10 seconds")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the e-mail lists, or one list's subscribers.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "A list address: show its subscribers.") var address: String?

        func run() async throws {
            let config = try common.loadConfig().configuration
            guard let store = try await common.storeIfPresent(config) else {
                print("no mail lists")
                return
            }
            if let address {
                for row in try await store.mailSubscribers(list: address) {
                    print("\(row.address)  \(row.status == "in" ? "subscribed" : "unsubscribed")  since \(LogFormat.timestamp(row.changedAt))")
                }
                return
            }
            let lists = try await store.mailLists()
            if lists.isEmpty { print("no mail lists") }
            for summary in lists {
                print("\(summary.list.address)  \(summary.list.name)  \(summary.subscribed) subscribed, \(summary.optedOut) unsubscribed")
            }
        }
    }
}
