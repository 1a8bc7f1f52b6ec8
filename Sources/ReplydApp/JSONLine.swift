import Foundation

/// One JSON object on one line, for `replyd log --json` and `--log-format json`. JSON allows U+2028,
/// U+2029 and U+0085 raw inside strings, but consumers that split on Unicode line breaks (JavaScript
/// before ES2019, Python's `str.splitlines`, many log shippers) would cut the record there, so they are
/// written as `\u` escapes, which decode to the same text.
enum JSONLine {
    static func encode(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return escapingLineBreaks(String(decoding: data, as: UTF8.self))
    }

    /// Outside strings JSON has no such characters, so replacing every one is safe.
    static func escapingLineBreaks(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { $0 == "\u{2028}" || $0 == "\u{2029}" || $0 == "\u{85}" }) else { return json }
        var out = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            switch scalar {
            case "\u{2028}": out.append(contentsOf: "\\u2028".unicodeScalars)
            case "\u{2029}": out.append(contentsOf: "\\u2029".unicodeScalars)
            case "\u{85}": out.append(contentsOf: "\\u0085".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
