import Foundation
import Testing
import ReplydTesting

@Suite struct CPUCostTests {
    @Test func aLinearLoopPassesAndAQuadraticOneIsCaught() async {
        let linear = await CPUCost.growth(input: { [UInt8](repeating: 1, count: $0) }) { bytes in
            var sum = 0
            for byte in bytes { sum &+= Int(byte) }
            #expect(sum == bytes.count)
        }
        #expect(linear.isLinear, "\(linear)")
        // n/100 elements squared: 10^4, 10^6, 10^8 steps, so the test stays quick.
        let quadratic = await CPUCost.growth(input: { Array(0..<($0 / 100)) }) { values in
            var pairs = 0
            for a in values { for b in values where a < b { pairs &+= 1 } }
            #expect(pairs == values.count * (values.count - 1) / 2)
        }
        #expect(!quadratic.isLinear, "\(quadratic)")
        // It stopped at the first size that grew too much instead of running the biggest one.
        #expect(quadratic.seconds.count < CPUCost.sizes.count)
    }

    @Test func repeatedCutsTheLastCopy() {
        #expect(CPUCost.repeated("=?a?q?x", toBytes: 10) == "=?a?q?x=?a")
        #expect(CPUCost.repeated("ż", toBytes: 4).utf8.count == 4)
    }
}

@Suite struct ScratchDirectoryTests {
    @Test func itIsGoneWhenTheLastReferenceIs() throws {
        var scratch: ScratchDirectory? = try ScratchDirectory("replyd-scratch-test")
        let path = try #require(scratch?.path("file.txt"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        #expect(FileManager.default.fileExists(atPath: path))
        scratch = nil
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: (path as NSString).deletingLastPathComponent))
    }
}
