/// The admin API's OpenAPI 3.1 document: `Resources/openapi.json`, embedded in the binary
/// (`docs/openapi.json` links to the same file).
public enum OpenAPIDocument {
    public static var bytes: [UInt8] { PackageResources.openapi_json }
    public static var json: String { String(decoding: bytes, as: UTF8.self) }
}
