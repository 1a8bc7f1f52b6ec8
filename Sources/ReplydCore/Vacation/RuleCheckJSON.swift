/// The JSON text of a decision's rule checks, as stored with every decision: the same document
/// `JSONEncoder` writes for `[RuleCheck]` (and `JSONDecoder` reads back), written directly, because
/// it is made for every recipient of every message inside the store's one write transaction, where
/// the generic encoder was a tenth of the writer's time.
extension RuleCheck {
    public static func json(_ checks: [RuleCheck]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(checks.count * 96)
        for (index, check) in checks.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"rule":"#.utf8)
            appendString(check.rule.rawValue, to: &out)
            out.append(contentsOf: check.passed ? #","passed":true,"detail":"#.utf8 : #","passed":false,"detail":"#.utf8)
            appendString(check.detail, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// A JSON string (RFC 8259 7): quotation mark, reverse solidus and the control characters escaped,
    /// everything else as its UTF-8.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most details need no escape at all: copied in one go.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
