import Foundation
import ReplydTesting
import Testing
@testable import ReplydAPI

/// A 400 names every field of the wrong JSON type, not only the first one the decoder met.
@Suite struct APIRequestDecodeTests {
    struct Form: Decodable, Equatable {
        var name: String?
        var count: Int?
        var tags: [String]?
        var nested: Nested?
        struct Nested: Decodable, Equatable { var flag: Bool? }
    }

    func request(_ json: String) -> APIRequest {
        APIRequest(parameters: [:], query: [:], contentType: "application/json", body: Array(json.utf8))
    }

    @Test func everyWrongTypeIsNamedAndTheRestStillDecodes() throws {
        let decoded = try request(#"{"name": 5, "count": "x", "tags": ["a", 2], "nested": {"flag": "yes"}}"#).decodeCollecting(Form.self)
        #expect(decoded.problems == ["name": "expected a string", "count": "expected an integer", "tags[1]": "expected a string",
                                     "nested.flag": "expected true or false"])
        #expect(decoded.value.tags == nil && decoded.value.name == nil && decoded.value.nested?.flag == nil)
    }

    @Test func strictDecodingThrowsOneAnswerWithAllOfThem() {
        do {
            _ = try request(#"{"name": 5, "count": "x"}"#).decode(Form.self)
            Issue.record("expected a 400")
        } catch APIError.invalid(let fields) {
            #expect(fields.keys.sorted() == ["count", "name"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aRequiredFieldAndBrokenJSON() {
        struct Needs: Decodable { var must: String }
        #expect(throws: (any Error).self) { try request("{").decode(Form.self) }
        do {
            _ = try request(#"{"other": 1}"#).decode(Needs.self)
        } catch APIError.invalid(let fields) {
            #expect(fields == ["must": "required"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite struct APIRequestDecodeCostTests {
    struct Contact: Decodable { var address: String; var name: String? }

    @Test func aTopLevelOfTheWrongKindIsNamedAsSuch() {
        do {
            _ = try APIRequest(parameters: [:], query: [:], contentType: nil, body: Array("[]".utf8)).decode(APIRequestDecodeTests.Form.self)
            Issue.record("expected a 400")
        } catch APIError.badRequest(let message) {
            #expect(message.contains("object"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// Every element of a long array with a wrong-typed optional field: the rounds are capped, so the
    /// cost stays linear in the body and the answer names the first ones.
    @Test func manyWrongFieldsCostLinearTime() async {
        let unit = #"{"address":"a@b.test","name":0},"#
        let growth = await CPUCost.growth(runs: 1, input: { size in
            Array(("[" + String(repeating: unit, count: size / unit.utf8.count) + #"{"address":"a@b.test"}]"#).utf8)
        }) { (body: [UInt8]) in
            do {
                _ = try APIRequest(parameters: [:], query: [:], contentType: nil, body: body).decode([Contact].self)
                Issue.record("wrong types were accepted")
            } catch APIError.invalid(let fields) {
                #expect(fields.count == APIRequest.maxRounds)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(growth.isLinear, "\(growth)")
    }
}
