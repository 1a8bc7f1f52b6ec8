import Foundation
import Hummingbird
import ReplydCore
import ReplydStore

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
        let list = SMSList(number: key.number, prefix: key.prefix, name: "", welcome: "", farewell: "", help: "")
        guard let found = try await store.smsList(key: list.key) else { throw APIError.notFound("no SMS list \(list.key)") }
        return try APIResponse.encode(SMSListItem(found))
    }

    struct SMSListBody: Decodable {
        var name: String
        var welcome: String
        var farewell: String
        var help: String
        var autoreply: String?
        var subscribersOnly: Bool?
        var transliterate: Bool?
        var days: Int?
        var optOutWords: [String]?
        var optInWords: [String]?
        var helpWords: [String]?

        enum CodingKeys: String, CodingKey {
            case name, welcome, farewell, help, autoreply, transliterate, days
            case subscribersOnly = "subscribers_only"
            case optOutWords = "opt_out_words"
            case optInWords = "opt_in_words"
            case helpWords = "help_words"
        }
    }

    func putSMSList(_ request: APIRequest) async throws -> Response {
        let key = try smsListKey(request)
        let body = try request.decode(SMSListBody.self)
        var problems: [String: String] = [:]
        for (field, text) in [("name", body.name), ("welcome", body.welcome), ("farewell", body.farewell), ("help", body.help)]
        where text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems[field] = "must not be empty"
        }
        if let days = body.days, days < 1 { problems["days"] = "must be at least 1" }
        for (field, words) in [("opt_out_words", body.optOutWords), ("opt_in_words", body.optInWords), ("help_words", body.helpWords)] {
            if let words, words.isEmpty || words.contains(where: { $0.isEmpty || $0.contains(" ") }) {
                problems[field] = "must be a non-empty array of single words"
            }
        }
        let standard = SMSKeywords.standard
        let keywords = SMSKeywords(optOut: Set(body.optOutWords ?? Array(standard.optOut)), optIn: Set(body.optInWords ?? Array(standard.optIn)),
                                   help: Set(body.helpWords ?? Array(standard.help)))
        if let prefix = key.prefix {
            let others = try await store.smsLists().filter { $0.number == key.number && $0.prefix != SMSKeywords.fold(prefix) }
            if let problem = SMSRouting.prefixProblem(prefix, keywords: keywords, lists: others) { problems["list"] = problem }
        }
        guard problems.isEmpty else { throw APIError.invalid(problems) }
        let list = SMSList(number: key.number, prefix: key.prefix, name: body.name, welcome: body.welcome, farewell: body.farewell,
                           help: body.help, autoreply: body.autoreply.flatMap { $0.isEmpty ? nil : $0 }, keywords: keywords,
                           subscribersOnly: body.subscribersOnly ?? false, transliterate: body.transliterate ?? false, days: body.days ?? 7)
        let existed = try await store.smsList(key: list.key) != nil
        try await store.setSMSList(list, at: clock())
        return try APIResponse.encode(existed ? .ok : .created, SMSListItem(list))
    }

    func deleteSMSList(_ request: APIRequest) async throws -> Response {
        let key = try smsListKey(request)
        let list = SMSList(number: key.number, prefix: key.prefix, name: "", welcome: "", farewell: "", help: "")
        guard try await store.deleteSMSList(key: list.key) else { throw APIError.notFound("no SMS list \(list.key)") }
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
        let list = SMSList(number: key.number, prefix: key.prefix, name: "", welcome: "", farewell: "", help: "")
        let (limit, offset) = try request.paging()
        guard try await store.smsList(key: list.key) != nil else { throw APIError.notFound("no SMS list \(list.key)") }
        let status = request.query["status"]
        if let status, !["in", "out"].contains(status) { throw APIError.invalid(["status": "must be in or out"]) }
        let (records, total) = try await store.smsSubscriptions(list: list.key, status: status, limit: limit, offset: offset)
        let items = records.map { SubscriptionItem(number: $0.number, status: $0.status, changedAt: $0.changedAt, lastAutoreplyAt: $0.lastAutoreplyAt) }
        return try APIResponse.encode(Page(items: items, total: total, limit: limit, offset: offset))
    }
}
