/// How an SMS text is encoded and into how many parts it splits (3GPP TS 23.038): GSM-7 takes 160
/// characters in one part or 153 per part when concatenated, extension characters (`{ } [ ] ~ \ | ^ €`
/// and form feed) taking two; anything outside GSM-7 makes the whole message UCS-2 at 70, or 67 per
/// part (characters outside the BMP take two UTF-16 units).
public enum SMSText {
    public enum Encoding: String, Sendable, Equatable {
        case gsm7 = "GSM-7"
        case ucs2 = "UCS-2"
    }

    public struct Analysis: Sendable, Equatable {
        public var encoding: Encoding
        /// Septets (GSM-7) or UTF-16 code units (UCS-2).
        public var units: Int
        public var parts: Int
        /// Characters that forced UCS-2, in order of appearance, each once.
        public var nonGSMCharacters: [Character]
    }

    static let basic: Set<Character> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
    static let extended: Set<Character> = Set("^{}\\[~]|€\u{0C}")

    public static func analyse(_ text: String) -> Analysis {
        var septets = 0
        var nonGSM: [Character] = []
        for character in text {
            if basic.contains(character) {
                septets += 1
            } else if extended.contains(character) {
                septets += 2
            } else if !nonGSM.contains(character) {
                nonGSM.append(character)
            }
        }
        if nonGSM.isEmpty {
            let parts = septets <= 160 ? 1 : partsNeeded(septets, per: 153)
            return Analysis(encoding: .gsm7, units: septets, parts: max(parts, 1), nonGSMCharacters: [])
        }
        let units = text.utf16.count
        let parts = units <= 70 ? 1 : partsNeeded(units, per: 67)
        return Analysis(encoding: .ucs2, units: units, parts: max(parts, 1), nonGSMCharacters: nonGSM)
    }

    static func partsNeeded(_ units: Int, per part: Int) -> Int {
        (units + part - 1) / part
    }

    /// Polish letters to their Latin base letters, so a Polish text can stay in GSM-7
    /// ("Zażółć gęślą jaźń" -> "Zazolc gesla jazn"). Other characters are kept.
    public static func transliteratePolish(_ text: String) -> String {
        let map: [Character: Character] = [
            "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z",
            "Ą": "A", "Ć": "C", "Ę": "E", "Ł": "L", "Ń": "N", "Ó": "O", "Ś": "S", "Ź": "Z", "Ż": "Z",
        ]
        return String(text.map { map[$0] ?? $0 })
    }
}
