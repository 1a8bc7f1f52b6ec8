import ArgumentParser
import ReplydAPI

struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the admin API's OpenAPI document (the one served at /api/v1/openapi.json; the file is Sources/ReplydAPI/Resources/openapi.json, linked as docs/openapi.json).")

    func run() {
        print(OpenAPIDocument.json, terminator: "")
    }
}
