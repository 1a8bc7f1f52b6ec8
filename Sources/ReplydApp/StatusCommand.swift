import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import ReplydAPI
import ReplydConfig

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask a running replyd how it is: addresses, uptime, messages, queue, active vacations.",
        discussion: "Calls GET /api/v1/status at http.listen with a token from --token, $REPLYD_TOKEN, or the first [[api.tokens]] entry with the read or admin scope.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Base URL of the running instance (default: http://<http.listen>).") var url: String?
    @Option(help: "Bearer token (default: $REPLYD_TOKEN, else from the configuration).") var token: String?
    @Flag(help: "Print the JSON as received.") var json = false

    func run() async throws {
        let config = try common.loadConfig().configuration
        let listen = config.http.listen
        let host = ["0.0.0.0", "::", ""].contains(listen.host) ? "127.0.0.1" : listen.host
        let base = url ?? "http://\(HostPort(host: host, port: listen.port))"
        guard let secret = token ?? ProcessInfo.processInfo.environment["REPLYD_TOKEN"]
            ?? config.api.tokens.first(where: { !$0.scopes.isDisjoint(with: ["admin", "read"]) })?.secret else {
            printError("no token: pass --token, set REPLYD_TOKEN, or add an [[api.tokens]] entry with the read scope")
            throw ExitCode(1)
        }
        var request = HTTPClientRequest(url: base + "/api/v1/status")
        request.headers.add(name: "Authorization", value: "Bearer \(secret)")
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            printError("replyd is not answering at \(base): \(error)")
            throw ExitCode(1)
        }
        let text = String(buffer: body)
        guard status == 200, let report = try? StatusReport.decode(Data(text.utf8)) else {
            printError("\(base)/api/v1/status answered \(status): \(text)")
            throw ExitCode(1)
        }
        if json {
            print(text)
            return
        }
        print(Self.render(report, base: base))
    }

    static func render(_ report: StatusReport, base: String) -> String {
        let uptime = report.uptimeSeconds
        let queue = report.queued.isEmpty ? "empty"
            : report.queued.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let stamp = { (date: Date) in date.formatted(Date.ISO8601FormatStyle()) }
        return """
            replyd \(report.version) at \(base), up \(uptime / 3600)h \(uptime / 60 % 60)m \(uptime % 60)s (since \(stamp(report.startedAt)))
              smtp:      \(report.smtp)
              http:      \(report.http)
              received:  \(report.inboundMessages) messages, \(report.inboundSms) SMS
              queue:     \(queue)\(report.oldestQueuedAt.map { ", oldest queued at \(stamp($0))" } ?? ""); \(report.failed) failed
              vacations: \(report.activeVacations) active
            """
    }
}
