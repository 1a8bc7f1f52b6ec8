import Foundation
import Logging
import PostgresNIO
import ReplydCore

/// What the command line and the admin API change and read: the log, vacations, mailboxes, contacts.
extension PostgresStore {
    private func exec(_ query: PostgresQuery) async throws -> Int {
        try await read(query).count
    }

    // MARK: The log

    public func recentInbound(limit: Int) async throws -> [InboundSummary] {
        try await recentInbound(limit: limit, beforeOrAt: Int64.max)
    }

    public func recentInbound(limit: Int, beforeOrAt maxID: Int64) async throws -> [InboundSummary] {
        let messages = try await read("""
            SELECT id, channel, received_at, envelope_sender, subject, message_id, remote_address,
                   tls_version, helo, size, spf_result, spf_identity, spf_domain, spf_detail, spf_explanation, trace,
                   ARRAY(SELECT address FROM inbound_recipient r WHERE r.message = m.id ORDER BY position) AS recipients
            FROM inbound_message m WHERE id <= \(maxID) ORDER BY id DESC LIMIT \(limit)
            """)
        return try await messages.asyncMap { row in
            let c = row.columns
            let id: Int64 = try c["id"]
            var summary = InboundSummary(
                id: id, receivedAt: try c["received_at"], channel: try c["channel"], sender: try c["envelope_sender"],
                recipients: try c["recipients"], subject: try c["subject"], messageID: try c["message_id"],
                remoteAddress: try c["remote_address"], tlsVersion: try c["tls_version"], size: try c["size"])
            summary.helo = try c["helo"]
            summary.trace = try c["trace"]
            if let code = (try c["spf_result"] as String?).flatMap(SPFResult.Code.init(rawValue:)) {
                summary.spf = SPFResult(code: code, identity: SPFResult.Identity(rawValue: try c["spf_identity"] ?? "") ?? .mailfrom,
                                        domain: try c["spf_domain"] ?? "", explanation: try c["spf_explanation"],
                                        detail: try c["spf_detail"] ?? "")
            }
            let decisions = try await read("""
                SELECT d.action, d.reason, o.status, o.attempts FROM decision d LEFT JOIN outbound o ON o.id = d.outbound
                WHERE d.message = \(id) ORDER BY d.id
                """).map { $0.columns }
            summary.decisions = try decisions.map { d in
                try (d["action"] as String) == "reply" ? "replied" : ((d["reason"] as String?) ?? "suppressed")
            }
            summary.deliveries = try decisions.compactMap { d in
                guard let status: String = try d["status"] else { return nil }
                return try status == "queued" && ((d["attempts"] as Int?) ?? 0) > 0 ? "deferred" : status
            }
            return summary
        }
    }

    public func inbound(id: Int64) async throws -> InboundSummary? {
        try await recentInbound(limit: 1, beforeOrAt: id).first.flatMap { $0.id == id ? $0 : nil }
    }

    public func decisions(message id: Int64) async throws -> [DecisionRecord] {
        try await read("SELECT * FROM decision WHERE message = \(id) ORDER BY id").map { row in
            let c = row.columns
            let checks: String = try c["checks"]
            return DecisionRecord(
                recipient: try c["recipient"], mailbox: try c["mailbox"], replied: (try c["action"] as String) == "reply",
                reason: try c["reason"], checks: (try? JSONDecoder().decode([RuleCheck].self, from: Data(checks.utf8))) ?? [],
                outboundID: try c["outbound"], decidedAt: try c["decided_at"])
        }
    }

    public func rawMessage(id: Int64) async throws -> [UInt8]? {
        try await read("SELECT raw FROM inbound_raw WHERE message = \(id)").first.map { Array(try $0.makeRandomAccess()[0].decode(Data.self)) }
    }

    public func outboundData(id: Int64) async throws -> [UInt8]? {
        try await read("SELECT data FROM outbound WHERE id = \(id)").first.map { Array(try $0.makeRandomAccess()[0].decode(Data.self)) }
    }

    // MARK: Vacations

    public func setVacation(_ vacation: Vacation, at now: Date) async throws {
        let json = String(decoding: try JSONEncoder().encode(vacation), as: UTF8.self)
        let logger = self.logger
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO vacation (mailbox, settings, updated_at) VALUES (\(vacation.mailbox), \(json), \(now))
                ON CONFLICT (mailbox) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at
                """, logger: logger)
            try await connection.query("DELETE FROM mailbox_alias WHERE mailbox = \(vacation.mailbox) AND source = 'vacation'", logger: logger)
            for alias in Set(vacation.aliases) where alias != vacation.mailbox {
                // Never takes another mailbox's alias (the API refuses that with 409 before).
                try await connection.query("""
                    INSERT INTO mailbox_alias (alias, mailbox, source) VALUES (\(alias), \(vacation.mailbox), 'vacation')
                    ON CONFLICT (alias) DO NOTHING
                    """, logger: logger)
            }
        }
    }

    public func clearVacation(mailbox: String) async throws -> Bool {
        let mailbox = mailbox.lowercased()
        let logger = self.logger
        return try await transaction { connection in
            let cleared = try await !connection.query("DELETE FROM vacation WHERE mailbox = \(mailbox) RETURNING 1", logger: logger)
                .collect().isEmpty
            try await connection.query("DELETE FROM mailbox_alias WHERE mailbox = \(mailbox) AND source = 'vacation'", logger: logger)
            return cleared
        }
    }

    public func vacations() async throws -> [Vacation] {
        try await read("SELECT settings FROM vacation ORDER BY mailbox").map {
            try JSONDecoder().decode(Vacation.self, from: Data(try $0.makeRandomAccess()[0].decode(String.self).utf8))
        }
    }

    // MARK: Mailboxes

    public func mailboxes() async throws -> [MailboxRecord] {
        var records: [String: MailboxRecord] = [:]
        for row in try await read("SELECT address, name, created_at FROM mailbox") {
            let c = row.columns
            let address: String = try c["address"]
            records[address] = MailboxRecord(address: address, name: try c["name"], aliases: [], createdAt: try c["created_at"])
        }
        for row in try await read("SELECT mailbox FROM vacation UNION SELECT owner FROM contact WHERE owner <> '*'") {
            let address = try row.makeRandomAccess()[0].decode(String.self)
            if records[address] == nil { records[address] = MailboxRecord(address: address, name: nil, aliases: [], createdAt: nil) }
        }
        for row in try await read("SELECT alias, mailbox FROM mailbox_alias WHERE source = 'mailbox' ORDER BY alias") {
            let c = row.columns
            records[try c["mailbox"] as String]?.aliases.append(try c["alias"])
        }
        return records.values.sorted { $0.address < $1.address }
    }

    public func createMailbox(_ address: String, name: String?, aliases: [String], at now: Date) async throws -> MailboxChange {
        let address = address.lowercased()
        let logger = self.logger
        return try await transaction { connection in
            // Checked in the transaction that writes; the alias key settles a race with another node.
            let taken = try await Self.takenAliases(connection, mailbox: address, aliases, logger: logger)
            guard taken.isEmpty else { return .aliasesTaken(taken) }
            let created = try await connection.query("""
                INSERT INTO mailbox (address, name, created_at) VALUES (\(address), \(name), \(now)) ON CONFLICT (address) DO NOTHING RETURNING 1
                """, logger: logger).collect()
            guard !created.isEmpty else { return .exists }
            try await Self.replaceAliases(connection, mailbox: address, aliases, logger: logger)
            return .created
        }
    }

    public func setAliases(mailbox: String, _ aliases: [String]) async throws -> [String] {
        let mailbox = mailbox.lowercased()
        let logger = self.logger
        return try await transaction { connection in
            let taken = try await Self.takenAliases(connection, mailbox: mailbox, aliases, logger: logger)
            guard taken.isEmpty else { return taken }
            try await Self.replaceAliases(connection, mailbox: mailbox, aliases, logger: logger)
            return []
        }
    }

    public func aliasesTaken(mailbox: String, _ aliases: [String]) async throws -> [String] {
        let logger = self.logger
        return try await leased { connection in
            try await Self.takenAliases(connection, mailbox: mailbox.lowercased(), aliases, logger: logger)
        }
    }

    static func takenAliases(_ connection: PostgresConnection, mailbox: String, _ aliases: [String], logger: Logger) async throws -> [String] {
        var taken: [String] = []
        for alias in aliases.map({ $0.lowercased() }) where alias != mailbox {
            let owner = try await connection.query("SELECT mailbox FROM mailbox_alias WHERE alias = \(alias)", logger: logger).scalar(String.self)
            let isMailbox = try await connection.query("SELECT EXISTS (SELECT 1 FROM mailbox WHERE address = \(alias))", logger: logger)
                .scalar(Bool.self) ?? false
            if (owner != nil && owner != mailbox) || isMailbox { taken.append(alias) }
        }
        return taken
    }

    static func replaceAliases(_ connection: PostgresConnection, mailbox: String, _ aliases: [String], logger: Logger) async throws {
        try await connection.query("DELETE FROM mailbox_alias WHERE mailbox = \(mailbox) AND source = 'mailbox'", logger: logger)
        for alias in Set(aliases.map { $0.lowercased() }) where alias != mailbox {
            try await connection.query("""
                INSERT INTO mailbox_alias (alias, mailbox, source) VALUES (\(alias), \(mailbox), 'mailbox')
                ON CONFLICT (alias) DO UPDATE SET mailbox = excluded.mailbox, source = excluded.source
                """, logger: logger)
        }
    }

    public func deleteMailbox(_ address: String) async throws -> Bool {
        let address = address.lowercased()
        let logger = self.logger
        return try await transaction { connection in
            var existed = false
            for table in ["mailbox WHERE address", "vacation WHERE mailbox", "contact WHERE owner", "mailbox_alias WHERE mailbox"] {
                let deleted = try await connection.query("DELETE FROM \(unescaped: table) = \(address) RETURNING 1", logger: logger).collect()
                existed = existed || !deleted.isEmpty
            }
            return existed
        }
    }

    public func acceptedAddresses() async throws -> Set<String> {
        Set(try await read("SELECT address FROM mailbox UNION SELECT alias FROM mailbox_alias UNION SELECT address FROM mail_list").map {
            try $0.makeRandomAccess()[0].decode(String.self)
        })
    }

    // MARK: Contacts

    public func addContacts(owner: String, _ contacts: [(address: String, name: String?)], at now: Date) async throws -> Int {
        guard !contacts.isEmpty else { return 0 }
        let owner = owner.lowercased()
        // One statement per thousand: arrays unnested server-side, the last name given for an address wins.
        for chunk in stride(from: 0, to: contacts.count, by: 1000).map({ contacts[$0..<min($0 + 1000, contacts.count)] }) {
            var latest: [String: String?] = [:]
            var order: [String] = []
            for contact in chunk {
                let address = contact.address.lowercased()
                if latest[address] == nil { order.append(address) }
                latest[address] = .some(contact.name ?? latest[address] ?? nil)
            }
            let names = order.map { latest[$0] ?? nil }
            _ = try await exec("""
                INSERT INTO contact (owner, address, name, created_at)
                SELECT \(owner), a, n, \(now) FROM unnest(\(order)::text[], \(names.map { $0 ?? "" })::text[]) AS c(a, n0)
                CROSS JOIN LATERAL (SELECT NULLIF(n0, '') AS n) AS named
                ON CONFLICT (owner, address) DO UPDATE SET name = COALESCE(excluded.name, contact.name)
                RETURNING 1
                """)
        }
        return contacts.count
    }

    public func contactCount(owner: String) async throws -> Int {
        try await read("SELECT COUNT(*) FROM contact WHERE owner = \(owner.lowercased())").first
            .map { try $0.makeRandomAccess()[0].decode(Int.self) } ?? 0
    }

    public func contacts(owner: String, limit: Int, offset: Int) async throws -> (items: [ContactRecord], total: Int) {
        let owner = owner.lowercased()
        let total = try await contactCount(owner: owner)
        let items = try await read("""
            SELECT address, name, created_at FROM contact WHERE owner = \(owner) ORDER BY address LIMIT \(limit) OFFSET \(offset)
            """).map { let c = $0.columns; return ContactRecord(address: try c["address"], name: try c["name"], createdAt: try c["created_at"]) }
        return (items, total)
    }

    public func deleteContact(owner: String, address: String) async throws -> Bool {
        try await exec("DELETE FROM contact WHERE owner = \(owner.lowercased()) AND address = \(address.lowercased()) RETURNING 1") > 0
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
