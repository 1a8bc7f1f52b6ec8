import Foundation

/// A fresh directory under the system's temporary one, removed when the last reference goes:
/// every test gets its own database file, and none is left behind.
public final class ScratchDirectory: Sendable {
    public let url: URL

    public init(_ label: String = "replyd-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the directory (the file is not created).
    public func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
