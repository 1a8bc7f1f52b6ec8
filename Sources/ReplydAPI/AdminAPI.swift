import Foundation
import HTTPTypes
import Hummingbird
import ReplydConfig
import ReplydCore
import ReplydPipeline

/// The admin API under `/api/v1/`: JSON over HTTP, bearer tokens with scopes. Each handler is data
/// access around the same pure pieces the command line uses (`VacationForm`, `ContactsCSV`, …).
public struct AdminAPI: Sendable {
    public struct Settings: Sendable {
        public var tokens: [Configuration.API.Token]
        public var maxBody: Int
        public var localDomains: [String]
        /// `mail.mailboxes` from the configuration: listed as mailboxes, not deletable here.
        public var configuredMailboxes: [String]
        public var maxDays: Int
        public var defaultCountryCode: String?
        /// Nil when replies are switched off (previews still render).
        public var engine: ReplyEngineSettings?
        public var hostname: String
        /// Nil when no sender is configured for notifications.
        public var notifications: NotificationSetup?
        public var maxSMSParts: Int

        public init(tokens: [Configuration.API.Token], maxBody: Int, localDomains: [String], configuredMailboxes: [String],
                    maxDays: Int, defaultCountryCode: String?, engine: ReplyEngineSettings?, hostname: String,
                    notifications: NotificationSetup? = nil, maxSMSParts: Int = 3) {
            self.notifications = notifications
            self.maxSMSParts = maxSMSParts
            self.tokens = tokens
            self.maxBody = maxBody
            self.localDomains = localDomains.map { $0.lowercased() }
            self.configuredMailboxes = configuredMailboxes.map { $0.lowercased() }
            self.maxDays = maxDays
            self.defaultCountryCode = defaultCountryCode
            self.engine = engine
            self.hostname = hostname
        }
    }

    let store: any AdminStore
    /// Notifications and previews go through the message pipeline, as mail and SMS do.
    let pipeline: MessagePipeline
    let settings: Settings
    let clock: @Sendable () -> Date
    /// Called after mailboxes, aliases or lists change, so SMTP accepts the new addresses at once.
    let addressesChanged: @Sendable () async -> Void
    /// Called after messages were queued (notifications), so the workers look at once.
    let queued: @Sendable () -> Void
    /// Who this server is (version, addresses, start): the edge knows, the API reports it.
    let identity: @Sendable () -> ServerIdentity

    public init(store: any AdminStore, pipeline: MessagePipeline, settings: Settings, clock: @escaping @Sendable () -> Date = { Date() },
                addressesChanged: @escaping @Sendable () async -> Void = {},
                queued: @escaping @Sendable () -> Void = {},
                identity: @escaping @Sendable () -> ServerIdentity = { ServerIdentity() }) {
        self.store = store
        self.pipeline = pipeline
        self.settings = settings
        self.clock = clock
        self.addressesChanged = addressesChanged
        self.queued = queued
        self.identity = identity
    }

    typealias Handler = @Sendable (APIRequest) async throws -> Response

    /// Every operation, in the order the OpenAPI document lists them.
    static let routes: [APIRoute] = endpointTable(for: nil).map(\.0)

    static func endpointTable(for api: AdminAPI?) -> [(APIRoute, Handler)] {
        func route(_ method: APIRoute.Method, _ path: String, _ area: String?, _ handler: @escaping @Sendable (AdminAPI, APIRequest) async throws -> Response)
            -> (APIRoute, Handler) {
            // Notifications and the queue hold customers' addresses and numbers: reading them needs
            // the area's scope itself, not the general read scope.
            let changes = (method != .GET && !path.hasSuffix("/preview")) || area == "notify" || area == "queue"
            return (APIRoute(method: method, path: "/api/v1" + path, area: area, changes: changes), { request in
                guard let api else { throw APIError.notFound("not wired") }
                return try await handler(api, request)
            })
        }
        return [
            route(.GET, "/openapi.json", nil) { api, _ in api.openAPIDocument() },
            route(.GET, "/status", "read") { api, _ in try await api.getStatus() },
            route(.GET, "/mailboxes", "mailboxes") { api, request in try await api.listMailboxes(request) },
            route(.POST, "/mailboxes", "mailboxes") { api, request in try await api.createMailbox(request) },
            route(.GET, "/mailboxes/{address}", "mailboxes") { api, request in try await api.getMailbox(request) },
            route(.DELETE, "/mailboxes/{address}", "mailboxes") { api, request in try await api.deleteMailbox(request) },
            route(.PUT, "/mailboxes/{address}/aliases", "mailboxes") { api, request in try await api.setAliases(request) },
            route(.GET, "/mailboxes/{address}/vacation", "vacation") { api, request in try await api.getVacation(request) },
            route(.PUT, "/mailboxes/{address}/vacation", "vacation") { api, request in try await api.putVacation(request) },
            route(.DELETE, "/mailboxes/{address}/vacation", "vacation") { api, request in try await api.deleteVacation(request) },
            route(.POST, "/mailboxes/{address}/vacation/preview", "vacation") { api, request in try await api.previewVacation(request) },
            route(.GET, "/mailboxes/{address}/contacts", "contacts") { api, request in try await api.listContacts(request) },
            route(.POST, "/mailboxes/{address}/contacts", "contacts") { api, request in try await api.addContacts(request) },
            route(.DELETE, "/mailboxes/{address}/contacts/{contact}", "contacts") { api, request in try await api.deleteContact(request) },
            route(.GET, "/sms/lists", "sms") { api, request in try await api.listSMSLists(request) },
            route(.GET, "/sms/lists/{list}", "sms") { api, request in try await api.getSMSList(request) },
            route(.PUT, "/sms/lists/{list}", "sms") { api, request in try await api.putSMSList(request) },
            route(.DELETE, "/sms/lists/{list}", "sms") { api, request in try await api.deleteSMSList(request) },
            route(.GET, "/sms/lists/{list}/subscriptions", "sms") { api, request in try await api.listSubscriptions(request) },
            route(.GET, "/log", "log") { api, request in try await api.getLog(request) },
            route(.GET, "/messages/{id}", "log") { api, request in try await api.explainMessage(request) },
            route(.GET, "/queue", "queue") { api, request in try await api.listQueue(request) },
            route(.POST, "/queue/{id}/retry", "queue") { api, request in try await api.retryQueueItem(request) },
            route(.GET, "/queue/{id}", "queue") { api, request in try await api.getQueueItem(request) },
            route(.DELETE, "/queue/{id}", "queue") { api, request in try await api.dropQueueItem(request) },
            route(.POST, "/notifications", "notify") { api, request in try await api.createNotification(request) },
            route(.GET, "/notifications/{id}", "notify") { api, request in try await api.getNotification(request) },
            route(.GET, "/orders/{order_id}/notifications", "notify") { api, request in try await api.orderNotifications(request) },
            route(.GET, "/notification-templates", "notify") { api, request in try await api.listTemplates(request) },
            route(.PUT, "/notification-templates/{event}/{channel}/{locale}", "notify") { api, request in try await api.putTemplate(request) },
        ]
    }

    /// Every operation under `/api/v1`, each behind its own authorisation and the body limit.
    public func register(on router: Router<BasicRequestContext>) {
        let access = APIAccess(tokens: settings.tokens)
        let api = router.group(context: APIRequestContext.self)
        for (route, handler) in Self.endpointTable(for: self) {
            api.group()
                .add(middleware: ScopeMiddleware(access: access, area: route.area, changes: route.changes))
                .add(middleware: BodyLimitMiddleware(maxBody: settings.maxBody))
                .on(RouterPath(route.routerPath), method: route.method.http) { request, context in
                    var parameters: [String: String] = [:]
                    for name in route.parameterNames {
                        let raw = context.parameters.get(name) ?? ""
                        parameters[name] = raw.removingPercentEncoding ?? raw
                    }
                    var query: [String: String] = [:]
                    for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
                    var incoming = request
                    // Already collected (and limited) by BodyLimitMiddleware: this is the buffer.
                    let body = try await incoming.collectBody(upTo: .max)
                    let apiRequest = APIRequest(parameters: parameters, query: query, contentType: request.headers[.contentType],
                                                body: Array(body.readableBytesView))
                    do {
                        return try await handler(apiRequest)
                    } catch let error as APIError {
                        return error.response
                    }
                }
        }
    }

    // MARK: Shared checks

    /// A mail address in a local domain, lower-cased; 400 naming `field` otherwise.
    func localAddress(_ text: String, field: String) throws -> String {
        switch MailAddress.local(text, in: settings.localDomains) {
        case .success(let address): return address
        case .failure(let problem): throw APIError.invalid([field: problem.description])
        }
    }

    func getStatus() async throws -> Response {
        let now = clock()
        return try APIResponse.encode(StatusReport(identity: identity(), figures: try await store.status(now: now), now: now))
    }
}
