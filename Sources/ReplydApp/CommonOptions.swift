import ArgumentParser
import Foundation
import ReplydConfig

/// `--config` and `--data-dir`, which every command takes.
public struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: conf/replyd.toml, else built-in defaults).")
    public var config: String?

    @Option(name: .long, help: "Directory for the SQLite database and other state.")
    public var dataDir: String = "data"

    public init() {}

    func loadConfig() throws -> ConfigFile {
        do {
            return try ConfigFile.load(explicitPath: config)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }

    func databasePath(_ configuration: Configuration) -> String {
        let name = configuration.storage.database
        return name.hasPrefix("/") ? name : dataDir + "/" + name
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Unbuffered stdout: the start-up banner must reach a pipe (a test, a supervisor) when it is printed.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
