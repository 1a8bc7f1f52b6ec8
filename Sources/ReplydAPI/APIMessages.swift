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

    /// Decodes the JSON body; a body that does not decode is a 400 naming every field that is wrong.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoded = try decodeCollecting(type)
        guard decoded.problems.isEmpty else { throw APIError.invalid(decoded.problems) }
        return decoded.value
    }

    /// A body decoded as far as it goes, and the fields of the wrong JSON type (set to null to get
    /// past them), for a caller that validates further and answers one 400 naming all problems.
    struct Decoded<T> {
        var value: T
        var problems: [String: String]
    }

    func decodeCollecting<T: Decodable>(_ type: T.Type) throws -> Decoded<T> {
        guard !body.isEmpty else { throw APIError.badRequest("a JSON body is required") }
        // The common case costs one decode; only a body with a wrong type takes the slow path.
        do {
            return Decoded(value: try JSONDecoder().decode(type, from: Data(body)), problems: [:])
        } catch DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty {
            // Collect every wrong type below.
        } catch DecodingError.typeMismatch {
            throw APIError.badRequest("the body is not the JSON \(T.self is any Collection.Type ? "array" : "object") expected")
        } catch DecodingError.keyNotFound(let key, let context) {
            throw APIError.invalid([Self.path(context.codingPath + [key]): "required"])
        } catch DecodingError.valueNotFound(let expected, let context) {
            throw APIError.invalid([Self.path(context.codingPath): "expected \(Self.describe(expected)), found null"])
        } catch {
            throw APIError.badRequest("the body is not valid JSON")
        }
        guard var tree = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            throw APIError.badRequest("the body is not valid JSON")
        }
        var problems: [String: String] = [:]
        var nulled: [any CodingKey]?
        // Each round re-decodes the whole body, so the rounds are capped: a body with more wrong
        // fields than that gets the first ones named (linear cost, whatever the body holds).
        for _ in 0..<Self.maxRounds {
            do {
                let data = try JSONSerialization.data(withJSONObject: tree, options: [.fragmentsAllowed])
                return Decoded(value: try JSONDecoder().decode(type, from: data), problems: problems)
            } catch DecodingError.typeMismatch(let expected, let context) {
                let field = Self.path(context.codingPath)
                guard problems[field] == nil, !context.codingPath.isEmpty else { break }
                problems[field] = "expected \(Self.describe(expected))"
                nulled = context.codingPath
                tree = Self.nulling(tree, at: context.codingPath[...])
            } catch DecodingError.valueNotFound(let expected, let context) {
                // The null we put there is not allowed (an array element, a required field): null the
                // enclosing value instead, which may be optional.
                if let last = nulled, Self.path(last) == Self.path(context.codingPath), !last.isEmpty {
                    let parent = Array(last.dropLast())
                    guard !parent.isEmpty else { break }
                    nulled = parent
                    tree = Self.nulling(tree, at: parent[...])
                    continue
                }
                let field = Self.path(context.codingPath)
                if problems[field] == nil { problems[field] = "expected \(Self.describe(expected)), found null" }
                break
            } catch DecodingError.keyNotFound(let key, let context) {
                problems[Self.path(context.codingPath + [key])] = "required"
                break
            } catch {
                throw APIError.badRequest("the body is not valid JSON")
            }
        }
        throw APIError.invalid(problems)
    }

    static let maxRounds = 16

    /// `tree` with the value at `path` replaced by null (optional fields then decode as absent).
    static func nulling(_ tree: Any, at path: ArraySlice<any CodingKey>) -> Any {
        guard let key = path.first else { return NSNull() }
        if let index = key.intValue, var array = tree as? [Any], array.indices.contains(index) {
            array[index] = nulling(array[index], at: path.dropFirst())
            return array
        }
        if var object = tree as? [String: Any], let value = object[key.stringValue] {
            object[key.stringValue] = nulling(value, at: path.dropFirst())
            return object
        }
        return tree
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
