import Foundation
import ReplydTesting
import Testing
@testable import ReplydAPI

/// Admin API bodies are decoded by Foundation's JSONDecoder through `APIRequest.decode`; the worst
/// bodies we can build cost time linear in their length (and 400, not a crash).
@Suite struct JSONBodyLinearityTests {
    static func request(_ body: String) -> APIRequest {
        APIRequest(parameters: [:], query: [:], contentType: "application/json", body: Array(body.utf8))
    }

    @Test(arguments: ["wide-array", "escapes", "unknown-keys", "deep", "numbers"])
    func decode(kind: String) async {
        let growth = await CPUCost.growth(input: { size -> APIRequest in
            switch kind {
            case "wide-array": return Self.request("{\"aliases\": [" + CPUCost.repeated("\"a@example.test\",", toBytes: size) + "\"b@example.test\"]}")
            case "escapes": return Self.request("{\"aliases\": [\"" + CPUCost.repeated("\\u2028\\\"", toBytes: size) + "\"]}")
            case "unknown-keys": return Self.request("{" + (0..<(size / 12)).map { "\"k\($0)\": 1" }.joined(separator: ",") + "}")
            case "deep": return Self.request(CPUCost.repeated("[", toBytes: size))
            default: return Self.request("{\"aliases\": [" + CPUCost.repeated("1e999,", toBytes: size) + "1]}")
            }
        }) { request in _ = try? request.decode(AdminAPI.AliasList.self) }
        #expect(growth.isLinear, "\(kind): \(growth)")
    }
}
