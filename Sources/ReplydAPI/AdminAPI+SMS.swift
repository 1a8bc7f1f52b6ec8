import Foundation
import Hummingbird
import ReplydCore

/// `/api/v1/sms/lists`: a list is addressed by its key, the number (`+48500100200`) or the number
/// and its prefix (`+48500100200 PIZZA`, percent-encoded in the path).
extension AdminAPI {
    struct SMSListItem: Encodable, Sendable {
        var key: String
        var number: String
        var prefix: String?
        var name: String
        var welcome: String
        var farewell: String
        var help: String
        var autoreply: String?
        var subscribersOnly: Bool
        var transliterate: Bool
        var days: Int
        var keywords: [String: [String]]

        init(_ list: SMSList) {
            key = list.key
            number = list.number
            prefix = list.prefix
            name = list.name
            welcome = list.welcome
            farewell = list.farewell
            help = list.help
            autoreply = list.autoreply
            subscribersOnly = list.subscribersOnly
            transliterate = list.transliterate
            days = list.days
            keywords = ["opt_out": list.keywords.optOut.sorted(), "opt_in": list.keywords.optIn.sorted(), "help": list.keywords.help.sorted()]
        }
    }

    func listSMSLists(_ request: APIRequest) async throws -> Response {
        let (limit, offset) = try request.paging()
        let lists = try await store.smsLists().map(SMSListItem.init)
        return try APIResponse.encode(Page(items: Array(lists.dropFirst(offset).prefix(limit)), total: lists.count, limit: limit, offset: offset))
    }

    func smsListKey(_ request: APIRequest) throws -> (number: String, prefix: String?) {
        let key = request.parameter("list")
        let parts = key.split(separator: " ", maxSplits: 1)
        guard let first = parts.first, let number = PhoneNumber.e164(String(first), defaultCountryCode: settings.defaultCountryCode) else {
            throw APIError.invalid(["list": "expected a phone number, optionally followed by a space and the prefix"])
        }
        return (number, parts.count > 1 ? String(parts[1]) : nil)
    }

    func getSMSList(_ request: APIRequest) async throws -> Response {
        let key = try smsListKey(request)
        let listKey = SMSList.key(number: key.number, prefix: key.prefix)
        guard let found = try await store.smsList(key: listKey) else { throw APIError.notFound("no SMS list \(listKey)") }
        return try APIResponse.encode(SMSListItem(found))
    }

    func putSMSList(_ request: APIRequest) async throws -> Response {
        let key = try smsListKey(request)
        let form = try request.decodeCollecting(SMSListForm.self)
        let list: SMSList
        switch form.value.validate(number: key.number, prefix: key.prefix, lists: try await store.smsLists()) {
        case .success(let valid) where form.problems.isEmpty: list = valid
        case .success: throw APIError.invalid(form.problems)
        case .failure(let problems): throw APIError.invalid(problems.fields.merging(form.problems) { _, wrongType in wrongType })
        }
        let existed = try await store.smsList(key: list.key) != nil
        try await store.setSMSList(list, at: clock())
        return try APIResponse.encode(existed ? .ok : .created, SMSListItem(list))
    }

    func deleteSMSList(_ request: APIRequest) async throws -> Response {
        let key = try smsListKey(request)
        let listKey = SMSList.key(number: key.number, prefix: key.prefix)
        guard try await store.deleteSMSList(key: listKey) else { throw APIError.notFound("no SMS list \(listKey)") }
        return APIResponse.noContent()
    }

    struct SubscriptionItem: Encodable, Sendable {
        var number: String
        var status: String
        var changedAt: Date
        var lastAutoreplyAt: Date?
    }

    func listSubscriptions(_ request: APIRequest) async throws -> Response {
        let key = try smsListKey(request)
        let listKey = SMSList.key(number: key.number, prefix: key.prefix)
        let (limit, offset) = try request.paging()
        guard try await store.smsList(key: listKey) != nil else { throw APIError.notFound("no SMS list \(listKey)") }
        let status = request.query["status"]
        if let status, !["in", "out"].contains(status) { throw APIError.invalid(["status": "must be in or out"]) }
        let (records, total) = try await store.smsSubscriptions(list: listKey, status: status, limit: limit, offset: offset)
        let items = records.map { SubscriptionItem(number: $0.number, status: $0.status, changedAt: $0.changedAt, lastAutoreplyAt: $0.lastAutoreplyAt) }
        return try APIResponse.encode(Page(items: items, total: total, limit: limit, offset: offset))
    }
}
