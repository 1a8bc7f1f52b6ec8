import ReplydTesting
import Testing
@testable import ReplydSMS

@Suite struct WebhookFormTests {
    @Test func decodesTwilioStyleBodies() {
        let parameters = WebhookForm.parameters("From=%2B48600100200&Body=STOP+now&Empty=&Flag&bad=%ZZ")
        #expect(parameters.map(\.0) == ["From", "Body", "Empty", "Flag", "bad"])
        #expect(parameters.map(\.1) == ["+48600100200", "STOP now", "", "", ""])
    }

    @Test(arguments: ["a=b&", "%41", "+&="])
    func linear(unit: String) async {
        let growth = await CPUCost.growth(input: { CPUCost.repeated(unit, toBytes: $0) }) { _ = WebhookForm.parameters($0) }
        #expect(growth.isLinear, "\(unit): \(growth)")
    }
}
