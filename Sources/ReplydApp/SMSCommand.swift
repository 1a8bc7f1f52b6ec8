import ArgumentParser
import ReplydCore

struct SMSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sms",
        abstract: "SMS tools.",
        subcommands: [Preview.self])

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
