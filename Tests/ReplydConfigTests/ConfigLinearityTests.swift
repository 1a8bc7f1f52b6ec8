import ReplydTesting
import Testing
@testable import ReplydConfig

/// The TOML loader, with the line index behind its diagnostics, is linear in the file's length.
@Suite struct ConfigLinearityTests {
    @Test(arguments: ["# comment line\n", "unknown_key = \"\\u0041\\\"\"\n"])
    func loader(unit: String) {
        let growth = CPUCost.growth(input: { CPUCost.repeated(unit, toBytes: $0) }) {
            _ = ConfigurationLoader.load(text: $0, file: "big.toml")
        }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }

    @Test func longArray() {
        let growth = CPUCost.growth(input: { "[mail]\nmailboxes = [" + CPUCost.repeated("\"a@example.test\",", toBytes: $0) + "\"b@example.test\"]\n" }) {
            _ = ConfigurationLoader.load(text: $0, file: "big.toml")
        }
        #expect(growth.isLinear, "\(growth)")
    }
}
