import ReplydTesting
import Testing
@testable import ReplydConfig

/// The TOML loader, with the line index behind its diagnostics, is linear in the file's length.
@Suite struct ConfigLinearityTests {
    @Test(arguments: ["# comment line\n", "unknown_key = \"\\u0041\\\"\"\n"])
    func loader(unit: String) async {
        let growth = await CPUCost.growth(input: { CPUCost.repeated(unit, toBytes: $0) }) {
            _ = ConfigurationLoader.load(text: $0, file: "big.toml")
        }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }

    @Test func longArray() async {
        let growth = await CPUCost.growth(input: { "[mail]\nmailboxes = [" + CPUCost.repeated("\"a@example.test\",", toBytes: $0) + "\"b@example.test\"]\n" }) {
            _ = ConfigurationLoader.load(text: $0, file: "big.toml")
        }
        #expect(growth.isLinear, "\(growth)")
    }
}

/// Files found by the fuzzer (scripts/fuzz config) that used to abort the process inside toml++.
@Suite struct ConfigCrashRegressionTests {
    @Test(arguments: ["a = [\"\"\"x\"\"\"\", 1]\n[żółw]\n", "\u{FEFF}[żółw]\n", "[\n", "[żółw]\n", "[ \n", "[#x\n", "[[\n", "[.a]\n", "[[ .a]]\n", "[smtp]\n[\n"])
    func tableHeaderWithoutAKeyIsADiagnostic(text: String) {
        guard case .failure(let problems) = ConfigurationLoader.load(text: text, file: "f.toml") else {
            Issue.record("\(text.debugDescription) loaded")
            return
        }
        #expect(problems.description.hasPrefix("f.toml:"))
        #expect(problems.description.contains("TOML syntax error"))
    }

    @Test func headersInsideStringsAndArraysAreNotHeaders() {
        let text = "[mail]\nmailboxes = [\n\"a@example.test\",\n]\n[server]\nhostname = \"\"\"\n[\n\"\"\"\n"
        if case .failure(let problems) = ConfigurationLoader.load(text: text, file: "f.toml") {
            #expect(!problems.description.contains("table header must start"), "\(problems)")
        }
    }

    @Test func aKeyWithALineBreakIsReportedOnOneLine() {
        guard case .failure(let problems) = ConfigurationLoader.load(text: "[mail]\n\"quoted\\nkey\" = 1\n", file: "f.toml") else {
            Issue.record("loaded")
            return
        }
        #expect(!problems.description.contains("\n"), "\(problems)")
    }
}
