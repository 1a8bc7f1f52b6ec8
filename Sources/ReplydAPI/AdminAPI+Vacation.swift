import Foundation
import Hummingbird
import ReplydCore
import ReplydPipeline

/// `/api/v1/mailboxes/{address}/vacation`: the same form and checks as `replyd vacation set`.
extension AdminAPI {
    struct VacationBody: Encodable, Sendable {
        var mailbox: String
        var active: Bool
        var settings: VacationForm
    }

    var site: VacationForm.Site { VacationForm.Site(localDomains: settings.localDomains, maxDays: settings.maxDays) }

    func getVacation(_ request: APIRequest) async throws -> Response {
        let address = try localAddress(request.parameter("address"), field: "address")
        guard let vacation = try await store.vacations().first(where: { $0.mailbox == address }) else {
            throw APIError.notFound("\(address) has no vacation reply")
        }
        return try APIResponse.encode(body(vacation))
    }

    func body(_ vacation: Vacation) -> VacationBody {
        let now = clock()
        return VacationBody(mailbox: vacation.mailbox, active: vacation.isActive(at: now),
                            settings: VacationForm(vacation))
    }

    func validated(_ request: APIRequest) throws -> Vacation {
        let form = try request.decodeCollecting(VacationForm.self)
        switch form.value.validate(mailbox: request.parameter("address"), site: site, now: clock()) {
        case .success(let vacation) where form.problems.isEmpty: return vacation
        case .success: throw APIError.invalid(form.problems)
        case .failure(let problems):
            throw APIError.invalid(problems.fields.mapKeys { $0 == "mailbox" ? "address" : $0 }.merging(form.problems) { _, wrongType in wrongType })
        }
    }

    func putVacation(_ request: APIRequest) async throws -> Response {
        let vacation = try validated(request)
        let taken = try await store.aliasesTaken(mailbox: vacation.mailbox, vacation.aliases)
        guard taken.isEmpty else { throw APIError.conflict("already an address of another mailbox: \(taken.joined(separator: ", "))") }
        let existed = try await store.vacations().contains { $0.mailbox == vacation.mailbox }
        try await store.setVacation(vacation, at: clock())
        await addressesChanged()
        return try APIResponse.encode(existed ? .ok : .created, body(vacation))
    }

    func deleteVacation(_ request: APIRequest) async throws -> Response {
        let address = try localAddress(request.parameter("address"), field: "address")
        guard try await store.clearVacation(mailbox: address) else { throw APIError.notFound("\(address) has no vacation reply") }
        await addressesChanged()
        return APIResponse.noContent()
    }

    struct PreviewRequest: Decodable {
        var settings: VacationForm
        /// Who the preview answers; default a sender outside the organisation.
        var from: String?
        var fromName: String?
        var subject: String?

        enum CodingKeys: String, CodingKey {
            case settings, from, subject
            case fromName = "from_name"
        }
    }

    struct Preview: Encodable, Sendable {
        var wouldReply: Bool
        var reason: String?
        var envelopeSender: String
        var recipient: String
        var subject: String
        var body: String
        /// The message exactly as it would be queued (headers and quoted-printable body).
        var raw: String
    }

    /// What the settings would do with a message from one sender now: the pipeline decides in a
    /// transaction that is rolled back, with the unsaved settings standing in for the stored ones.
    /// The reply is shown even when this sender would not get it, so the text can be checked.
    func previewVacation(_ request: APIRequest) async throws -> Response {
        let preview = try request.decode(PreviewRequest.self)
        let vacation: Vacation
        switch preview.settings.validate(mailbox: request.parameter("address"), site: site, now: clock()) {
        case .success(let valid): vacation = valid
        case .failure(let problems): throw APIError.invalid(problems.fields.mapKeys { $0 == "mailbox" ? "address" : "settings.\($0)" })
        }
        let from = preview.from ?? "anna.nowak@example.com"
        guard case .success(let sender) = MailAddress.parse(Substring(from)) else {
            throw APIError.invalid(["from": "\"\(from)\" is not a mail address"])
        }
        let name = preview.fromName.map { "\(MIMEEncoding.scrubbed($0)) " } ?? ""
        let subject = MIMEEncoding.scrubbed(preview.subject ?? "Spotkanie w przyszłym tygodniu")
        let headers = "From: \(name)<\(sender)>\r\nTo: <\(vacation.mailbox)>\r\nSubject: \(subject)\r\n" +
            "Message-ID: <preview@\(settings.hostname)>\r\n\r\n"
        let received = ReceivedMessage(reversePath: .mailbox(sender), recipients: [vacation.mailbox], helo: "preview", esmtp: true,
                                       remoteAddress: "127.0.0.1", tls: nil, body8bit: true, smtputf8: false,
                                       data: Array(headers.utf8))
        let message = InboundMessage(received: received, receivedAt: max(clock(), vacation.start))
        let outcome = try await pipeline.rehearse(message, vacation: vacation)
        let verdict = outcome.verdicts.first
        let reply = outcome.queued.first?.message
            ?? MessagePipeline.draftReply(vacation: vacation, answering: message, settings: settings.engine, localDomains: settings.localDomains)
        return try APIResponse.encode(Preview(wouldReply: verdict?.answered ?? false,
                                              reason: verdict == nil ? "replies are switched off (replies.enabled = false)" : verdict?.reason,
                                              envelopeSender: reply.envelopeFrom, recipient: reply.recipient,
                                              subject: reply.subject ?? "", body: reply.text, raw: String(decoding: reply.data, as: UTF8.self)))
    }
}

extension Dictionary where Key == String {
    func mapKeys(_ transform: (String) -> String) -> [String: Value] {
        Dictionary(map { (transform($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}
