import Foundation
import ReplydConfig
import ReplydCore

/// Who may call what: bearer tokens from `[[api.tokens]]`, each with scopes. `admin` may do
/// everything, `read` may read everything but notifications (customer data), an area's scope (e.g. `vacation`) may read and change
/// that area. Tokens are compared in constant time, and every token is compared, so neither the
/// answer nor its timing tells how much of a guess was right.
struct APIAccess: Sendable {
    let tokens: [Configuration.API.Token]

    enum Verdict: Equatable {
        case allowed(token: String)
        /// 401: no credentials, or credentials that match no token.
        case unauthenticated(String)
        /// 403: a valid token without the scope.
        case forbidden(String)
    }

    func check(authorization: String?, area: String, changes: Bool) -> Verdict {
        guard let authorization else { return .unauthenticated("missing Authorization: Bearer <token> header") }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return .unauthenticated("the Authorization header must be \"Bearer <token>\"")
        }
        let presented = Array(parts[1].trimmingCharacters(in: .whitespaces).utf8)
        var match: Configuration.API.Token?
        for token in tokens where ConstantTime.equals(Array(token.secret.utf8), presented) {
            match = token
        }
        guard let match else { return .unauthenticated("unknown token") }
        let scopes = match.scopes
        if scopes.contains("admin") || scopes.contains(area) || (!changes && scopes.contains("read")) {
            return .allowed(token: match.name)
        }
        let needed = changes ? "\"\(area)\" or \"admin\"" : "\"\(area)\", \"read\" or \"admin\""
        return .forbidden("token \"\(match.name)\" lacks the scope for this call (needs \(needed))")
    }
}
