import GRDB

/// Migrations, in order. Never edit a shipped migration: add a new one.
/// The SQL is kept portable (no SQLite-only constructs in what queries rely on) so a PostgreSQL store
/// can mirror it.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: inbound messages") { db in
            try db.execute(sql: """
                CREATE TABLE inbound_message (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    channel TEXT NOT NULL,
                    received_at DATETIME NOT NULL,
                    envelope_sender TEXT NOT NULL,
                    remote_address TEXT NOT NULL,
                    helo TEXT NOT NULL,
                    tls_version TEXT,
                    size INTEGER NOT NULL,
                    message_id TEXT,
                    from_header TEXT,
                    to_header TEXT,
                    cc_header TEXT,
                    subject TEXT,
                    auto_submitted TEXT,
                    precedence TEXT,
                    list_id TEXT
                );
                CREATE INDEX inbound_message_received_at ON inbound_message(received_at);
                CREATE TABLE inbound_recipient (
                    message INTEGER NOT NULL REFERENCES inbound_message(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    address TEXT NOT NULL,
                    PRIMARY KEY (message, position)
                );
                CREATE TABLE inbound_header (
                    message INTEGER NOT NULL REFERENCES inbound_message(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (message, position)
                );
                -- Raw bytes apart from the row, so listings never page through them and retention can
                -- drop them while decisions and delivery records stay.
                CREATE TABLE inbound_raw (
                    message INTEGER PRIMARY KEY REFERENCES inbound_message(id) ON DELETE CASCADE,
                    raw BLOB NOT NULL
                );
                """)
        }
        return migrator
    }
}
