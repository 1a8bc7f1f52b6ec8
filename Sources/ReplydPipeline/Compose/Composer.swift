import Foundation
import ReplydCore

/// Turns a decision into the message that answers it, ready for the queue: out-of-office replies,
/// mail-list and SMS-list answers, notifications. The texts and MIME forms are ReplydCore's
/// (`ReplyComposer`, `NotificationTemplates`); this stage only fills in the envelope and origin.
enum Composer {
    static func vacationReply(plan: ReplyPlan, vacation: Vacation, answering message: InboundMessage, inbound id: Int64?,
                              settings: ReplyEngineSettings) -> OutboundMessage {
        let reply = ReplyComposer.compose(plan: plan, vacation: vacation, message: message,
                                          messageID: settings.makeMessageID(MailAddress.domain(of: plan.from ?? vacation.mailbox)),
                                          date: message.receivedAt, useMailboxAsEnvelopeSender: settings.useMailboxAsEnvelopeSender)
        return OutboundMessage(channel: .email, origin: .vacation(mailbox: vacation.mailbox), envelopeFrom: reply.envelopeSender,
                               recipient: reply.recipient, subject: reply.subject, data: reply.data, text: reply.body,
                               inboundMail: id, createdAt: message.receivedAt)
    }

    static func listAnswer(list: MailList, text: String, intent: SMSKeywords.Intent?, answering message: InboundMessage,
                           inbound id: Int64, confirmation: (address: String, token: String)?,
                           settings: ReplyEngineSettings) -> OutboundMessage {
        let reply = ReplyComposer.composeListAnswer(list: list, body: text, message: message, messageID: settings.makeMessageID(MailAddress.domain(of: list.address)),
                                                    date: message.receivedAt,
                                                    useListAsEnvelopeSender: settings.useMailboxAsEnvelopeSender,
                                                    confirmation: confirmation)
        return OutboundMessage(channel: .email, origin: .mailList(address: list.address, intent: intent?.rawValue),
                               envelopeFrom: reply.envelopeSender, recipient: reply.recipient, subject: reply.subject,
                               data: reply.data, text: reply.body, inboundMail: id, createdAt: message.receivedAt)
    }

    static func smsAnswer(list: SMSList, intent: SMSKeywords.Intent, text: String, to number: String, at now: Date) -> OutboundMessage {
        OutboundMessage(channel: .sms, origin: .smsList(key: list.key, intent: intent.rawValue), envelopeFrom: list.number,
                        recipient: number, subject: nil, data: Array(text.utf8), text: text, createdAt: now)
    }

    /// One message per chosen channel the customer can be reached on, from the saved template or
    /// the built-in one in the customer's language.
    static func notifications(_ request: NotificationRequest, id: Int64, channels: [NotificationChannel], setup: NotificationSetup,
                              at now: Date, sendAt: Date?, in tx: any ReplyTransaction) throws -> [OutboundMessage] {
        let locale = request.customer.locale ?? setup.rules.locale
        let values = NotificationTemplates.variables(request, locale: locale, shopName: setup.shopName)
        var messages: [OutboundMessage] = []
        for channel in channels {
            let template = try tx.savedTemplate(event: request.event, channel: channel, locale: locale)
                ?? NotificationTemplates.builtIn(event: request.event, channel: channel, locale: locale)
            let body = try NotificationTemplates.render(template.body, values)
            switch channel {
            case .email:
                guard let from = setup.emailFrom, let to = request.customer.email else { continue }
                let subject = try NotificationTemplates.render(template.subject ?? "{{status}}", values)
                let data = NotificationTemplates.email(fromName: from.name, fromAddress: from.address, to: to,
                                                       customerName: request.customer.name, subject: subject, body: body,
                                                       messageID: setup.makeMessageID(MailAddress.domain(of: from.address)), date: sendAt ?? now,
                                                       shopName: setup.shopName, locale: locale)
                messages.append(OutboundMessage(channel: .email, origin: .notification(id: id, optOutList: nil),
                                                envelopeFrom: from.address, recipient: to, subject: subject, data: data,
                                                text: body, createdAt: now, dueAt: sendAt ?? now))
            case .sms:
                guard let from = setup.smsFrom, let to = request.customer.phone else { continue }
                // The sending number's opt-outs are checked again when the SMS is claimed for sending.
                messages.append(OutboundMessage(channel: .sms, origin: .notification(id: id, optOutList: from),
                                                envelopeFrom: from, recipient: to, subject: nil, data: Array(body.utf8),
                                                text: body, createdAt: now, dueAt: sendAt ?? now))
            }
        }
        return messages
    }
}
