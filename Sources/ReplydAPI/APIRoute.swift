import HTTPTypes

/// One operation of the admin API: the single list that the router registers, the scope check
/// reads, and the OpenAPI document is checked against.
struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    enum Method: String, Sendable, CaseIterable {
        case GET, POST, PUT, DELETE

        var http: HTTPRequest.Method {
            switch self {
            case .GET: .get
            case .POST: .post
            case .PUT: .put
            case .DELETE: .delete
            }
        }
    }

    var method: Method
    /// OpenAPI form: `/api/v1/mailboxes/{address}`.
    var path: String
    /// The scope area that may call it; nil: no token needed (the OpenAPI document).
    var area: String?
    var changes: Bool

    /// Hummingbird's form: `/api/v1/mailboxes/:address`.
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
        }.joined(separator: "/")
    }

    var parameterNames: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }

    var description: String { "\(method.rawValue) \(path)" }
}
