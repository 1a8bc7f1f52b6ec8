import Foundation

/// `application/x-www-form-urlencoded` webhook bodies (Twilio's): `+` is a space, then
/// percent-decoding. One pass over the body per step, so its cost is linear in its length.
public enum WebhookForm {
    public static func parameters(_ body: String) -> [(String, String)] {
        body.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String? {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decode(parts[0]) else { return nil }
            return (name, parts.count > 1 ? decode(parts[1]) ?? "" : "")
        }
    }
}
