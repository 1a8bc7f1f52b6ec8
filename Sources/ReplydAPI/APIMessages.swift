import Foundation
import HTTPTypes
import Hummingbird

/// What a handler sees: path parameters (percent-decoded), query, the body as bytes.
struct APIRequest: Sendable {
    var parameters: [String: String]
    var query: [String: String]
    var contentType: String?
    var body: [UInt8]

    func parameter(_ name: String) -> String { parameters[name] ?? "" }

    /// Decodes the JSON body; a body that does not decode is a 400 naming what is wrong.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !body.isEmpty else { throw APIError.badRequest("a JSON body is required") }
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch DecodingError.typeMismatch(let expected, let context) {
            throw APIError.invalid([Self.path(context.codingPath): "expected \(Self.describe(expected))"])
        } catch DecodingError.valueNotFound(let expected, let context) {
            throw APIError.invalid([Self.path(context.codingPath): "expected \(Self.describe(expected)), found null"])
        } catch DecodingError.keyNotFound(let key, let context) {
            throw APIError.invalid([Self.path(context.codingPath + [key]): "required"])
        } catch {
            throw APIError.badRequest("the body is not valid JSON")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [String].Type: "an array of strings"
        default: "\(type)".lowercased()
        }
    }

    /// `limit` alone, for listings paged by a cursor.
    func limit(max: Int = 500) throws -> Int {
        guard let limit = query["limit"].map({ Int($0) }) ?? 50, (1...max).contains(limit) else {
            throw APIError.invalid(["limit": "must be an integer from 1 to \(max)"])
        }
        return limit
    }

    /// `limit` (1...max, default 50) and `offset` (>= 0) for listings.
    func paging(max: Int = 500) throws -> (limit: Int, offset: Int) {
        var problems: [String: String] = [:]
        let limit = query["limit"].map { Int($0) } ?? 50
        let offset = query["offset"].map { Int($0) } ?? 0
        if limit == nil || !(1...max).contains(limit!) { problems["limit"] = "must be an integer from 1 to \(max)" }
        if offset == nil || offset! < 0 { problems["offset"] = "must be a non-negative integer" }
        guard problems.isEmpty, let limit, let offset else { throw APIError.invalid(problems) }
        return (limit, offset)
    }
}

/// An answer other than success: status and a JSON body `{"error": …, "fields": {…}}`.
enum APIError: Error, Sendable {
    case badRequest(String)
    /// 400 naming each bad field.
    case invalid([String: String])
    case notFound(String)
    case conflict(String)
    case tooLarge(String)

    var response: Response {
        switch self {
        case .badRequest(let message): APIResponse.json(.badRequest, ["error": message])
        case .invalid(let fields): APIResponse.json(.badRequest, ["error": "invalid fields", "fields": fields])
        case .notFound(let message): APIResponse.json(.notFound, ["error": message])
        case .conflict(let message): APIResponse.json(.conflict, ["error": message])
        case .tooLarge(let message): APIResponse.json(.contentTooLarge, ["error": message])
        }
    }
}

/// JSON answers of the HTTP side (the admin API and the SMS webhooks).
public enum APIResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return bytes(status, Array(data))
    }

    static func encode<T: Encodable>(_ value: T) throws -> Response {
        try encode(.ok, value)
    }

    static func encode<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) throws -> Response {
        bytes(status, Array(try encoder.encode(value)))
    }

    static func bytes(_ status: HTTPResponse.Status, _ data: [UInt8], contentType: String = "application/json") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func noContent() -> Response { Response(status: .noContent) }
}

/// A page of a listing.
struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    var total: Int
    var limit: Int
    var offset: Int
}
