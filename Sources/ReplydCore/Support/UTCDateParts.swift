import Foundation

/// A moment's calendar fields in UTC on the proleptic Gregorian calendar, by integer arithmetic
/// (days to civil date as in Howard Hinnant's `civil_from_days`). Dates are formatted for every
/// message on the hot path (trace fields, reply headers, stored timestamps), where `Calendar` and
/// `DateFormatter` were a large share of the time.
public struct UTCDateParts: Sendable, Equatable {
    public var year: Int
    /// 1...12
    public var month: Int
    /// 1...31
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int
    /// 0 = Sunday ... 6 = Saturday.
    public var weekday: Int

    /// The fields of `date`, floored to the millisecond, as `Calendar` does.
    public init(_ date: Date) {
        self.init(millisecondsSince1970: Int64((date.timeIntervalSince1970 * 1_000).rounded(.down)))
    }

    public init(millisecondsSince1970 millis: Int64) {
        let (days, msOfDay) = Self.floorDivide(millis, 86_400_000)
        let (shiftedEra, dayOfEra) = Self.floorDivide(days + 719_468, 146_097)  // days from 0000-03-01
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153  // March = 0
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = Int(yearOfEra + shiftedEra * 400 + (month <= 2 ? 1 : 0))
        self.month = Int(month)
        day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        hour = Int(msOfDay / 3_600_000)
        minute = Int(msOfDay / 60_000 % 60)
        second = Int(msOfDay / 1_000 % 60)
        millisecond = Int(msOfDay % 1_000)
        weekday = Int(Self.floorDivide(days + 4, 7).1)  // 1970-01-01 was a Thursday
    }

    /// `2026-12-06T16:06:20Z` (RFC 3339 in UTC, whole seconds).
    public var iso8601: String {
        let p = Self.padded
        return "\(p(year, 4))-\(p(month, 2))-\(p(day, 2))T\(p(hour, 2)):\(p(minute, 2)):\(p(second, 2))Z"
    }

    /// `value` in decimal, zero-padded on the left to `width` digits.
    public static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let (q, r) = a.quotientAndRemainder(dividingBy: b)
        return r < 0 ? (q - 1, r + b) : (q, r)
    }
}
