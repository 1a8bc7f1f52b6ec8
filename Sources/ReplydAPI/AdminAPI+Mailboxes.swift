import Foundation
import Hummingbird
import ReplydCore

/// `/api/v1/mailboxes`: who exists, who is away, aliases.
extension AdminAPI {
    struct VacationState: Encodable, Sendable {
        var active: Bool
        var start: Date
        var end: Date?
        var subject: String?
    }

    struct MailboxItem: Encodable, Sendable {
        var address: String
        var name: String?
        var aliases: [String]
        /// Listed in `mail.mailboxes` of the configuration (change it there).
        var configured: Bool
        var createdAt: Date?
        var vacation: VacationState?
    }

    func mailboxItems() async throws -> [MailboxItem] {
        let now = clock()
        let vacations = Dictionary(try await store.vacations().map { ($0.mailbox, $0) }, uniquingKeysWith: { first, _ in first })
        var items: [String: MailboxItem] = [:]
        for record in try await store.mailboxes() {
            items[record.address] = MailboxItem(address: record.address, name: record.name, aliases: record.aliases,
                                                configured: false, createdAt: record.createdAt)
        }
        for address in settings.configuredMailboxes {
            items[address, default: MailboxItem(address: address, aliases: [], configured: true)].configured = true
        }
        for (address, vacation) in vacations {
            items[address, default: MailboxItem(address: address, aliases: [], configured: false)].vacation = VacationState(
                active: vacation.isActive(at: now),
                start: vacation.start, end: vacation.end, subject: vacation.subject)
        }
        return items.values.sorted { $0.address < $1.address }
    }

    func listMailboxes(_ request: APIRequest) async throws -> Response {
        let (limit, offset) = try request.paging()
        var all = try await mailboxItems()
        if let away = request.query["away"] {
            guard ["true", "false"].contains(away) else { throw APIError.invalid(["away": "must be true or false"]) }
            all = all.filter { ($0.vacation?.active ?? false) == (away == "true") }
        }
        let page = Array(all.dropFirst(offset).prefix(limit))
        return try APIResponse.encode(Page(items: page, total: all.count, limit: limit, offset: offset))
    }

    func getMailbox(_ request: APIRequest) async throws -> Response {
        let address = try localAddress(request.parameter("address"), field: "address")
        guard let item = try await mailboxItems().first(where: { $0.address == address }) else {
            throw APIError.notFound("no mailbox \(address)")
        }
        return try APIResponse.encode(item)
    }

    struct NewMailbox: Decodable {
        var address: String
        var name: String?
        var aliases: [String]?
    }

    func createMailbox(_ request: APIRequest) async throws -> Response {
        let body = try request.decode(NewMailbox.self)
        var problems: [String: String] = [:]
        var address: String?
        do { address = try localAddress(body.address, field: "address") } catch APIError.invalid(let fields) { problems.merge(fields) { a, _ in a } }
        let aliases = try checkedAliases(body.aliases ?? [], problems: &problems)
        guard problems.isEmpty, let address else { throw APIError.invalid(problems) }
        switch try await store.createMailbox(address, name: body.name, aliases: aliases, at: clock()) {
        case .created: break
        case .exists: throw APIError.conflict("mailbox \(address) exists")
        case .aliasesTaken(let taken): throw APIError.conflict("already an address of another mailbox: \(taken.joined(separator: ", "))")
        }
        await addressesChanged()
        let item = try await mailboxItems().first { $0.address == address }
        return try APIResponse.encode(.created, item)
    }

    func checkedAliases(_ aliases: [String], problems: inout [String: String]) throws -> [String] {
        var valid: [String] = []
        for (index, alias) in aliases.enumerated() {
            do {
                valid.append(try localAddress(alias, field: "aliases[\(index)]"))
            } catch APIError.invalid(let fields) {
                problems.merge(fields) { a, _ in a }
            }
        }
        return valid
    }

    func deleteMailbox(_ request: APIRequest) async throws -> Response {
        let address = try localAddress(request.parameter("address"), field: "address")
        if settings.configuredMailboxes.contains(address) {
            throw APIError.conflict("\(address) is listed in mail.mailboxes of the configuration; remove it there")
        }
        guard try await store.deleteMailbox(address) else { throw APIError.notFound("no mailbox \(address)") }
        await addressesChanged()
        return APIResponse.noContent()
    }

    struct AliasList: Decodable {
        var aliases: [String]
    }

    func setAliases(_ request: APIRequest) async throws -> Response {
        let address = try localAddress(request.parameter("address"), field: "address")
        let body = try request.decode(AliasList.self)
        var problems: [String: String] = [:]
        let aliases = try checkedAliases(body.aliases, problems: &problems)
        guard problems.isEmpty else { throw APIError.invalid(problems) }
        guard try await mailboxItems().contains(where: { $0.address == address }) else { throw APIError.notFound("no mailbox \(address)") }
        let taken = try await store.setAliases(mailbox: address, aliases)
        guard taken.isEmpty else { throw APIError.conflict("already an address of another mailbox: \(taken.joined(separator: ", "))") }
        await addressesChanged()
        return try APIResponse.encode(try await mailboxItems().first { $0.address == address })
    }
}
