import Hummingbird
import NIOCore
import Logging

/// The admin API's request context: the basic one, plus who called once `ScopeMiddleware` has
/// let them in (the token's name, also put in the request's log metadata).
struct APIRequestContext: ChildRequestContext {
    typealias ParentContext = BasicRequestContext
    var coreContext: CoreRequestContextStorage
    var caller: String?

    init(context: BasicRequestContext) throws {
        // The whole core (logger, and the path parameters the router has already matched).
        coreContext = context.coreContext
        caller = nil
    }
}

/// Bearer-token authorisation of one operation: 401 without or with an unknown token, 403 when its
/// scopes do not cover the operation, with the API's JSON errors; otherwise the caller is recorded
/// in the context and the operation runs.
struct ScopeMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let access: APIAccess
    /// Nil: open to everyone (the OpenAPI document).
    let area: String?
    let changes: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let area else { return try await next(request, context) }
        switch access.check(authorization: request.headers[.authorization], area: area, changes: changes) {
        case .allowed(let token):
            var context = context
            context.caller = token
            context.logger[metadataKey: "token"] = "\(token)"
            return try await next(request, context)
        case .unauthenticated(let reason):
            var response = APIResponse.json(.unauthorized, ["error": reason])
            response.headers[.wwwAuthenticate] = "Bearer realm=\"replyd\""
            return response
        case .forbidden(let reason):
            return APIResponse.json(.forbidden, ["error": reason])
        }
    }
}

/// The request body, collected up to the API's limit (413 beyond it).
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let maxBody: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        do {
            _ = try await request.collectBody(upTo: maxBody)
        } catch is NIOTooManyBytesError {
            return APIResponse.json(.contentTooLarge, ["error": "request body over \(maxBody) bytes (api.max_body)"])
        }
        return try await next(request, context)
    }
}
