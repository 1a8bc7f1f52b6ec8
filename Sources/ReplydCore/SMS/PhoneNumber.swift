/// Phone numbers in E.164 (`+48600100200`), the one form replyd stores and compares.
public enum PhoneNumber {
    /// Normalises what people and providers write: spaces, dashes, dots and brackets go; `00` becomes
    /// `+`; a national number gets `defaultCountryCode` (e.g. "48"). Nil when it cannot be a number.
    public static func e164(_ text: String, defaultCountryCode: String?) -> String? {
        var digits = text.filter { !" -.()\t".contains($0) }
        if digits.hasPrefix("00") { digits = "+" + digits.dropFirst(2) }
        if digits.hasPrefix("+") {
            let rest = digits.dropFirst()
            guard (8...15).contains(rest.count), rest.allSatisfy(\.isASCIIDigit), rest.first != "0" else { return nil }
            return digits
        }
        guard let country = defaultCountryCode, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        let national = digits.hasPrefix("0") ? String(digits.dropFirst()) : digits
        let full = country + national
        guard (8...15).contains(full.count), !national.isEmpty else { return nil }
        return "+" + full
    }
}
