import Hummingbird

extension AdminAPI {
    /// `GET /api/v1/openapi.json`, no token needed: `Resources/openapi.json` as embedded (a test
    /// checks its operations against `AdminAPI.routes` and the handlers' answers against its schemas).
    func openAPIDocument() -> Response {
        APIResponse.bytes(.ok, OpenAPIDocument.bytes)
    }
}
