import Foundation
import ReplydConfig
import ReplydDelivery

/// Finds and reads the configuration file: the one named, else `conf/replyd.toml` when present,
/// else the embedded defaults.
public struct ConfigFile: Sendable {
    public static let defaultPath = "conf/replyd.toml"

    public var path: String?
    public var configuration: Configuration

    public static func load(explicitPath: String?) throws(ConfigProblems) -> ConfigFile {
        let path: String
        if let explicitPath {
            path = explicitPath
        } else if FileManager.default.fileExists(atPath: defaultPath) {
            path = defaultPath
        } else {
            return ConfigFile(path: nil, configuration: Configuration())
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable as UTF-8 text" : "no such file"
            throw ConfigProblems([ConfigDiagnostic(file: path, line: nil, key: nil,
                                                    message: "cannot read configuration file: \(reason)")])
        }
        let loaded = ConfigurationLoader.load(text: text, file: path, fileExists: { FileManager.default.fileExists(atPath: $0) },
                                              keyProblem: { keyFile in
            do {
                _ = try DKIMKey(domain: "check.invalid", selector: "check", file: keyFile)
                return nil
            } catch {
                return "\(error)"
            }
        })
        switch loaded {
        case .success(let configuration):
            return ConfigFile(path: path, configuration: configuration)
        case .failure(let problems):
            throw problems
        }
    }

    public var displayName: String { path ?? "embedded defaults (no \(Self.defaultPath))" }
}
