import Foundation
import Logging

/// `--log-format json`: one JSON object per line on stderr (`ts`, `level`, `label`, `message`,
/// then the metadata as strings), for log collectors that parse rather than read.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if let error = event.error { merged["error"] = "\(error)" }
        FileHandle.standardError.write(Data(Self.line(label: label, level: event.level, message: event.message.description,
                                                      metadata: merged, date: Date()).utf8))
    }

    /// Pure, so the format is tested without a process.
    static func line(label: String, level: Logger.Level, message: String, metadata: Logger.Metadata, date: Date) -> String {
        var object: [String: String] = [:]
        for (key, value) in metadata { object[key] = "\(value)" }
        object["ts"] = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        object["level"] = level.rawValue
        object["label"] = label
        object["message"] = message
        return JSONLine.encode(object) + "\n"
    }
}
