import Foundation
import ReplydConfig
import Testing
@testable import ReplydAPI

@Suite struct APIAccessTests {
    let access = APIAccess(tokens: [
        .init(name: "ops", secret: "admin-token-0123456789", scopes: ["admin"]),
        .init(name: "dash", secret: "read-token-0123456789", scopes: ["read"]),
        .init(name: "hr", secret: "hr-token-0123456789ab", scopes: ["vacation", "contacts"]),
    ])

    @Test func missingOrMalformedCredentialsAre401() {
        for header in [nil, "", "Bearer", "Basic admin-token-0123456789", "Bearer wrong-token-0123456789", "Bearer admin-token-012345678"] {
            guard case .unauthenticated = access.check(authorization: header, area: "queue", changes: false) else {
                Issue.record("\(header ?? "nil") must be refused as unauthenticated")
                continue
            }
        }
    }

    @Test func scopes() {
        #expect(access.check(authorization: "Bearer admin-token-0123456789", area: "queue", changes: true) == .allowed(token: "ops"))
        #expect(access.check(authorization: "bearer read-token-0123456789", area: "queue", changes: false) == .allowed(token: "dash"))
        guard case .forbidden(let reason) = access.check(authorization: "Bearer read-token-0123456789", area: "queue", changes: true) else {
            Issue.record("read may not change")
            return
        }
        #expect(reason.contains("\"queue\" or \"admin\""))
        #expect(access.check(authorization: "Bearer hr-token-0123456789ab", area: "contacts", changes: true) == .allowed(token: "hr"))
        guard case .forbidden = access.check(authorization: "Bearer hr-token-0123456789ab", area: "log", changes: false) else {
            Issue.record("an area scope reads only its area")
            return
        }
    }

    @Test func routerPathsAndParameters() {
        let route = APIRoute(method: .DELETE, path: "/api/v1/mailboxes/{address}/contacts/{contact}", area: "contacts", changes: true)
        #expect(route.routerPath == "/api/v1/mailboxes/:address/contacts/:contact")
        #expect(route.parameterNames == ["address", "contact"])
        #expect(Set(AdminAPI.routes).count == AdminAPI.routes.count, "no operation twice")
        #expect(AdminAPI.routes.filter { $0.area == nil }.map(\.path) == ["/api/v1/openapi.json"], "only the document is public")
    }

    /// The served document describes exactly the operations the router registers.
    @Test func openAPIDocumentMatchesTheRoutes() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, item) in paths {
            for method in item.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        #expect(documented == Set(AdminAPI.routes.map(\.description)))
    }
}
