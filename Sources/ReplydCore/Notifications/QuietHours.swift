import Foundation

/// A daily window of local time in which no notification is sent ("21:00-08:00" crosses midnight).
/// Computed in the customer's time zone with its calendar, so a daylight-saving change moves the
/// instant the window ends, not the local time. Pure.
public struct QuietHours: Sendable, Equatable {
    /// Minutes after local midnight.
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// "21:00-08:00"; nil when malformed or empty (start equals end).
    public static func parse(_ text: String) -> QuietHours? {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]), start != end else { return nil }
        return QuietHours(start: start, end: end)
    }

    static func minutes(_ text: String) -> Int? {
        let pieces = text.split(separator: ":")
        guard pieces.count == 2, pieces[0].count <= 2, pieces[1].count == 2, let hour = Int(pieces[0]), let minute = Int(pieces[1]),
              (0..<24).contains(hour), (0..<60).contains(minute) else { return nil }
        return hour * 60 + minute
    }

    public var description: String {
        String(format: "%02d:%02d-%02d:%02d", start / 60, start % 60, end / 60, end % 60)
    }

    /// `date` if it is outside the window, else the instant the window ends (local `end` that day
    /// or the next).
    public func nextAllowed(after date: Date, in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let now = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let inside = start < end ? (now >= start && now < end) : (now >= start || now < end)
        guard inside else { return date }
        let day = calendar.startOfDay(for: date)
        // Crossing midnight and still in the evening part: the window ends tomorrow.
        let endDay = start > end && now >= start ? calendar.date(byAdding: .day, value: 1, to: day)! : day
        return calendar.date(bySettingHour: end / 60, minute: end % 60, second: 0, of: endDay) ?? date
    }
}
