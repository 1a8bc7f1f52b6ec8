import Foundation
import GRDB
import Testing
@testable import ReplydStore

/// The store binds `Date.storedText` where it used to bind the `Date`: it must be GRDB's own text,
/// or comparisons between old and new rows (`created_at > ?`) would go wrong.
struct StoredDateTests {
    @Test func storedTextIsWhatGRDBStores() {
        var dates = [0, -0.0005, 0.0005, 0.001, 0.999, 0.9995, 59.9999, 951_782_400, 1_800_000_000.123,
                     1_796_573_180.0009765625, 4_107_542_399.9999].map(Date.init(timeIntervalSince1970:))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0...4_000_000_000, using: &generator)))
        }
        dates.append(Date())
        for date in dates {
            #expect(date.storedText.databaseValue == date.databaseValue, "\(date.timeIntervalSince1970)")
        }
    }
}
