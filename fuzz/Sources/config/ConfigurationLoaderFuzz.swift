// The input is the text of conf/replyd.toml. check-config promises one `file:line: key: problem`
// line per problem, with the line in the file, whatever the text.
import FuzzSupport
import ReplydConfig

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let result = ConfigurationLoader.load(text: text, file: "fuzz.toml", fileExists: { $0.hasPrefix("exists") })
    guard case .failure(let problems) = result else { return 0 }
    invariant(!problems.diagnostics.isEmpty, "failure without a diagnostic")
    let lineCount = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
    for diagnostic in problems.diagnostics {
        invariant(diagnostic.file == "fuzz.toml" && !diagnostic.message.isEmpty, "empty diagnostic")
        if let line = diagnostic.line {
            invariant((1...lineCount).contains(line), "diagnostic for line \(line) of \(lineCount)")
        }
        invariant(!diagnostic.description.unicodeScalars.contains { $0 == "\n" || $0 == "\r" },
                  "diagnostic spans lines: \(diagnostic.description.debugDescription)")
    }
    return 0
}
