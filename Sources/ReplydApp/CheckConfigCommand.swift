import ArgumentParser

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration; print every problem as file:line: key: problem.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        let file = try common.loadConfig()
        print("\(file.displayName): OK")
    }
}
