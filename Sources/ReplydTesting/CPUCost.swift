import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a parser's cost grows with its input, measured as CPU time of the calling thread (not wall
/// time: other tests running beside it do not count). A test feeds the worst input it can build at
/// 10 KB, 100 KB and 1 MB and asserts that each tenfold input costs less than `maxGrowth` times as
/// much: about 10 for a linear parser, about 100 for a quadratic one. Ratios, never thresholds.
public enum CPUCost {
    public static let sizes = [10_000, 100_000, 1_000_000]
    /// Linear is ~10; the margin absorbs cache effects at 1 MB and noise at 10 KB.
    public static let maxGrowth = 30.0

    public struct Growth: CustomStringConvertible, Sendable {
        public var seconds: [Double]
        /// Cost of each size over the one before it.
        public var ratios: [Double] {
            zip(seconds.dropFirst(), seconds).map { next, previous in next / max(previous, 1e-6) }
        }
        public var isLinear: Bool { seconds.count == CPUCost.sizes.count && ratios.allSatisfy { $0 < CPUCost.maxGrowth } }
        public var description: String {
            zip(CPUCost.sizes, seconds).map { "\($0 / 1000) KB: \(Int($1 * 1_000_000)) µs" }.joined(separator: ", ")
                + "; growth per tenfold: " + ratios.map { String(format: "%.1f", $0) }.joined(separator: ", ")
        }
    }

    /// Builds the input of each size once, then times `run` on it (the best of `runs`: a run slowed by
    /// something else on the machine does not count). Stops at the first size that already grew too
    /// much, so a quadratic parser fails in seconds instead of running for an hour at 1 MB.
    ///
    /// It runs on a thread of its own: seconds of CPU-bound work on Swift Testing's cooperative pool
    /// (one thread per core) would stall every other test meanwhile, and with them their time-outs.
    public static func growth<Input>(runs: Int = 2, input make: @escaping @Sendable (Int) -> Input,
                                     _ run: @escaping @Sendable (Input) -> Void) async -> Growth {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                var seconds: [Double] = []
                for size in sizes {
                    let input = make(size)
                    seconds.append((0..<runs).map { _ in Self.seconds { run(input) } }.min()!)
                    if let last = Growth(seconds: seconds).ratios.last, last >= maxGrowth { break }
                }
                continuation.resume(returning: Growth(seconds: seconds))
            }
            // Deeply nested inputs recurse in some parsers; give them the main thread's room.
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public static func seconds(_ body: () -> Void) -> Double {
        var start = timespec()
        var end = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
        body()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
        return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    }

    /// `unit` repeated until the result is `size` bytes long (the last copy cut).
    public static func repeated(_ unit: String, toBytes size: Int) -> String {
        let bytes = Array(unit.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(size)
        while out.count < size { out += bytes.prefix(size - out.count) }
        return String(decoding: out, as: UTF8.self)
    }
}
