import Foundation
import ReplydCore

extension Date {
    /// The text GRDB stores for a `Date` ("yyyy-MM-dd HH:mm:ss.SSS", UTC), made without its
    /// `DateFormatter`, which was a noticeable share of the writer's time per message. Bound in place
    /// of the `Date` on the hot inserts and comparisons; what is stored and compared is the same text.
    var storedText: String {
        // The milliseconds as Foundation's formatter computes them (CFDateFormatter: half a millisecond
        // added to the ICU date, then floored), so the text is the same to the last digit.
        let milliseconds = (timeIntervalSinceReferenceDate + Date.timeIntervalBetween1970AndReferenceDate) * 1_000 + 0.5
        let d = UTCDateParts(millisecondsSince1970: Int64(milliseconds.rounded(.down)))
        let p = UTCDateParts.padded
        return "\(p(d.year, 4))-\(p(d.month, 2))-\(p(d.day, 2)) \(p(d.hour, 2)):\(p(d.minute, 2)):\(p(d.second, 2)).\(p(d.millisecond, 3))"
    }
}
