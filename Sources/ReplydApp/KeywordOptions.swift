import ArgumentParser
import ReplydCore

/// The keyword words of a list (SMS or e-mail), each list of words replacing the default one.
struct KeywordOptions: ParsableArguments {
    @Option(help: "Opt-out words, comma-separated (default: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT, NIE).")
    var optOutWords: String?
    @Option(help: "Opt-in words, comma-separated (default: START, YES, UNSTOP, TAK).") var optInWords: String?
    @Option(help: "Help words, comma-separated (default: HELP, INFO, POMOC).") var helpWords: String?

    func keywords() throws -> SMSKeywords {
        let standard = SMSKeywords.standard
        func words(_ text: String?, _ fallback: Set<String>, _ flag: String) throws -> Set<String> {
            guard let text else { return fallback }
            let list = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !list.isEmpty, list.allSatisfy({ !$0.contains(" ") }) else {
                printError("\(flag): expected single words separated by commas, found \"\(text)\"")
                throw ExitCode(1)
            }
            return Set(list)
        }
        return SMSKeywords(optOut: try words(optOutWords, standard.optOut, "--opt-out-words"),
                           optIn: try words(optInWords, standard.optIn, "--opt-in-words"),
                           help: try words(helpWords, standard.help, "--help-words"))
    }
}
