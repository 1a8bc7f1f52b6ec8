import Foundation

/// Dates as people type them (command line, admin API, the web page's pickers), read in the
/// vacation's time zone: `2026-12-20`, `2026-12-20T09:00`, `2026-12-20 09:00:30`, full ISO 8601
/// with an offset, or `now`.
public enum DateText {
    public static func parse(_ text: String, timeZone: TimeZone, now: Date) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "now" { return now }
        if let date = try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: false)) {
            return date
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.isLenient = false
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }
}
