import ReplydCore
import Testing

@Suite struct PostgresEndpointTests {
    @Test func aFullURLIsRead() throws {
        let endpoint = try PostgresEndpoint.parse("postgresql://replyd:s%40cret@db.example.test:6432/mail?sslmode=verify-full&sslrootcert=/etc/ca.pem").get()
        #expect(endpoint == PostgresEndpoint(host: "db.example.test", port: 6432, username: "replyd", password: "s@cret", database: "mail",
                                             tls: .verifyFull, rootCertificate: "/etc/ca.pem"))
        #expect(endpoint.displayText == "postgres://replyd@db.example.test:6432/mail?sslmode=verify-full", "no password in what is shown")
    }

    @Test func defaultsAreLibpqs() throws {
        let endpoint = try PostgresEndpoint.parse("postgres://replyd@127.0.0.1/replyd").get()
        #expect(endpoint.port == 5432 && endpoint.tls == .prefer && endpoint.password == nil)
    }

    @Test(arguments: [
        ("mysql://u@h/d", "postgres://"), ("postgres://h/d", "user"), ("postgres://u@h", "database"), ("postgres://u@h/", "database"),
        ("postgres://u@/d", "host"), ("postgres://u@h/d?sslmode=sometimes", "sslmode"), ("postgres://u@h/d?timeout=3", "unknown parameter"),
        ("postgres://u@h/d/e", "database"),
    ])
    func whatIsWrongIsSaid(url: String, word: String) {
        guard case .failure(let problem) = PostgresEndpoint.parse(url) else {
            Issue.record("\(url) was accepted")
            return
        }
        #expect(problem.message.contains(word), "\(url): \(problem.message)")
    }
}
