import ArgumentParser
import Foundation
import ReplydCore
import ReplydStore

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the newest inbound messages, newest first.")

    @OptionGroup var common: CommonOptions

    @Flag(help: "One JSON object per line.")
    var json = false

    @Option(help: "How many messages to show.")
    var limit: Int = 20

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be a positive number") }
    }

    func run() async throws {
        let config = try common.loadConfig().configuration
        let store = try await common.openExistingStore(config)
        let rows = try await store.recentInbound(limit: limit)
        if json {
            for row in rows { print(LogFormat.json(row)) }
        } else {
            print(LogFormat.table(rows))
        }
    }
}

/// How `replyd log` renders messages; pure, so the format is tested without a database.
enum LogFormat {
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false))
    }

    static func json(_ row: InboundSummary) -> String {
        let object: [String: Any] = [
            "id": row.id,
            "received_at": timestamp(row.receivedAt),
            "channel": row.channel,
            "sender": row.sender,
            "recipients": row.recipients,
            "subject": row.subject ?? NSNull(),
            "message_id": row.messageID ?? NSNull(),
            "remote_address": row.remoteAddress,
            "tls": row.tlsVersion != nil,
            "tls_version": row.tlsVersion ?? NSNull(),
            "size": row.size,
            "spf": row.spf.map { ["result": $0.code.rawValue, "identity": $0.identity.rawValue, "domain": $0.domain, "detail": $0.detail,
                                  "explanation": $0.explanation ?? NSNull()] as [String: Any] } ?? NSNull(),
            "decisions": row.decisions,
            "deliveries": row.deliveries,
        ]
        return JSONLine.encode(object)
    }

    static func table(_ rows: [InboundSummary]) -> String {
        if rows.isEmpty { return "no messages" }
        let header = ["ID", "RECEIVED (UTC)", "FROM", "TO", "TLS", "SPF", "DECISION", "SUBJECT"]
        let body = rows.map { row in
            [String(row.id), timestamp(row.receivedAt), row.sender.isEmpty ? "<>" : row.sender,
             row.recipients.joined(separator: ","), row.tlsVersion ?? "no", row.spf?.code.rawValue ?? "-",
             decisionText(row), sanitize(row.subject ?? "")]
        }
        let widths = header.indices.map { column in
            min(40, ([header] + body).map { $0[column].count }.max() ?? 0)
        }
        return ([header] + body).map { cells in
            cells.enumerated().map { column, cell in
                let clipped = cell.count > widths[column] ? String(cell.prefix(widths[column] - 1)) + "…" : cell
                return column == cells.count - 1 ? clipped : clipped.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `replied (sent)`, `list-mail`, `replied (deferred),no-vacation`...
    static func decisionText(_ row: InboundSummary) -> String {
        if row.decisions.isEmpty { return "-" }
        var deliveries = row.deliveries.makeIterator()
        return row.decisions.map { decision in
            decision == "replied" ? "replied (\(deliveries.next() ?? "?"))" : decision
        }.joined(separator: ",")
    }

    /// A subject is sender-controlled: never let it move the terminal's cursor or colours.
    static func sanitize(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
    }

    /// A whole message for a terminal: its line breaks kept, every other control character a space.
    static func sanitizeLines(_ text: String) -> String {
        // "\r\n" is one Character in Swift: split on scalars, not Characters.
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in sanitize(String(String.UnicodeScalarView(line.last == "\r" ? line.dropLast() : line[...]))) }
            .joined(separator: "\n")
    }
}
