import Hummingbird

extension AdminAPI {
    /// `GET /api/v1/openapi.json`, no token needed: the document in `OpenAPIDocument.json`
    /// (exported to `docs/openapi.json` by `replyd openapi`; a test keeps the two equal and checks
    /// its operations against `AdminAPI.routes`).
    func openAPIDocument() -> Response {
        APIResponse.bytes(.ok, Array(OpenAPIDocument.json.utf8))
    }
}
