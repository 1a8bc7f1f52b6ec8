import Crypto
import Foundation
import ReplydCore

/// Provider webhook signatures, checked before anything from a webhook is stored.
public enum WebhookSignatures {
    /// Twilio's `X-Twilio-Signature`: Base64(HMAC-SHA1(auth token, full URL as called + every POST
    /// parameter sorted by name, each as name+value with no separator)). Unknown parameters count.
    public static func twilio(url: String, parameters: [(String, String)], authToken: String) -> String {
        var material = url
        // Sort by name, then by value, so repeated names are stable (Twilio sorts by name).
        for (name, value) in parameters.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            material += name + value
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(material.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    public static func verifyTwilio(signature: String?, url: String, parameters: [(String, String)], authToken: String) -> Bool {
        guard let signature else { return false }
        return ConstantTime.equals(Array(signature.utf8), Array(twilio(url: url, parameters: parameters, authToken: authToken).utf8))
    }

    /// The generic form: `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
    public static func sha256Header(body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + hex(Array(mac))
    }

    /// Lower-case hex; by table, as `String(format:)` per byte was a measurable part of a webhook.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func verifySHA256(header: String?, body: [UInt8], secret: String) -> Bool {
        guard let header else { return false }
        return ConstantTime.equals(Array(header.lowercased().utf8), Array(sha256Header(body: body, secret: secret).utf8))
    }
}
