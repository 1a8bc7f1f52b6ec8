import Foundation
import Hummingbird
import ReplydCore

/// `/api/v1/mailboxes/{address}/contacts` (owner `*`: the organisation-wide contacts).
extension AdminAPI {
    func contactOwner(_ request: APIRequest) throws -> String {
        let owner = request.parameter("address")
        return owner == "*" ? "*" : try localAddress(owner, field: "address")
    }

    struct ContactItem: Encodable, Sendable {
        var address: String
        var name: String?
        var createdAt: Date
    }

    func listContacts(_ request: APIRequest) async throws -> Response {
        let owner = try contactOwner(request)
        let (limit, offset) = try request.paging()
        let (records, total) = try await store.contacts(owner: owner, limit: limit, offset: offset)
        return try APIResponse.encode(Page(items: records.map { ContactItem(address: $0.address, name: $0.name, createdAt: $0.createdAt) },
                                           total: total, limit: limit, offset: offset))
    }

    struct NewContact: Decodable {
        var address: String
        var name: String?
    }

    /// One contact (`{"address", "name"}`), a JSON array of them, or CSV (`Content-Type: text/csv`,
    /// the same format as `replyd contacts import`). All or nothing: one bad entry refuses the lot,
    /// naming each bad entry.
    func addContacts(_ request: APIRequest) async throws -> Response {
        let owner = try contactOwner(request)
        var contacts: [(address: String, name: String?)] = []
        var problems: [String: String] = [:]
        if request.contentType?.lowercased().hasPrefix("text/csv") == true {
            let parsed = ContactsCSV.parse(String(decoding: request.body, as: UTF8.self))
            for problem in parsed.problems { problems["line \(problem.line)"] = problem.message }
            contacts = parsed.contacts.map { ($0.address, $0.name) }
        } else {
            let trimmed = request.body.first { ![32, 9, 10, 13].contains($0) }
            let entries = trimmed == UInt8(ascii: "[") ? try request.decode([NewContact].self) : [try request.decode(NewContact.self)]
            for (index, entry) in entries.enumerated() {
                let field = trimmed == UInt8(ascii: "[") ? "[\(index)].address" : "address"
                guard let normalized = ContactsCSV.normalize(entry.address) else {
                    problems[field] = "not an e-mail address or phone number: \"\(entry.address)\""
                    continue
                }
                contacts.append((normalized, entry.name.flatMap { $0.isEmpty ? nil : $0 }))
            }
        }
        guard problems.isEmpty else { throw APIError.invalid(problems) }
        guard !contacts.isEmpty else { throw APIError.badRequest("no contacts given") }
        let count = try await store.addContacts(owner: owner, contacts, at: clock())
        return APIResponse.json(.ok, ["owner": owner, "added": count, "total": try await store.contactCount(owner: owner)])
    }

    func deleteContact(_ request: APIRequest) async throws -> Response {
        let owner = try contactOwner(request)
        guard let contact = ContactsCSV.normalize(request.parameter("contact")) else {
            throw APIError.invalid(["contact": "not an e-mail address or phone number"])
        }
        guard try await store.deleteContact(owner: owner, address: contact) else {
            throw APIError.notFound("\(contact) is not a contact of \(owner)")
        }
        return APIResponse.noContent()
    }
}
