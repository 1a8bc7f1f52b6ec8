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
        migrator.registerMigration("v2: vacation replies") { db in
            try db.execute(sql: """
                CREATE TABLE vacation (
                    mailbox TEXT PRIMARY KEY,
                    settings TEXT NOT NULL,          -- JSON of ReplydCore.Vacation
                    updated_at DATETIME NOT NULL
                );
                CREATE TABLE mailbox_alias (
                    alias TEXT PRIMARY KEY,
                    mailbox TEXT NOT NULL REFERENCES vacation(mailbox) ON DELETE CASCADE
                );
                CREATE INDEX mailbox_alias_mailbox ON mailbox_alias(mailbox);
                -- owner '*' holds the organisation-wide contacts.
                CREATE TABLE contact (
                    owner TEXT NOT NULL,
                    address TEXT NOT NULL,
                    name TEXT,
                    created_at DATETIME NOT NULL,
                    PRIMARY KEY (owner, address)
                );
                -- The unique key is what enforces "one reply per sender per period", across processes.
                CREATE TABLE reply_history (
                    mailbox TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    response_id TEXT NOT NULL,
                    last_reply_at DATETIME NOT NULL,
                    PRIMARY KEY (mailbox, sender, response_id)
                );
                CREATE TABLE decision (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    message INTEGER NOT NULL REFERENCES inbound_message(id) ON DELETE CASCADE,
                    recipient TEXT NOT NULL,
                    mailbox TEXT,
                    action TEXT NOT NULL,            -- 'reply' or 'suppress'
                    reason TEXT,                     -- suppression reason code
                    checks TEXT NOT NULL,            -- JSON: every rule, passed or not, with detail
                    outbound INTEGER,
                    decided_at DATETIME NOT NULL
                );
                CREATE INDEX decision_message ON decision(message);
                CREATE TABLE outbound (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    channel TEXT NOT NULL,
                    inbound_message INTEGER REFERENCES inbound_message(id) ON DELETE SET NULL,
                    mailbox TEXT,
                    envelope_sender TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    subject TEXT,
                    data BLOB NOT NULL,
                    status TEXT NOT NULL,            -- 'queued', 'sent', 'failed'
                    created_at DATETIME NOT NULL,
                    next_attempt_at DATETIME NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    lease_owner TEXT,
                    lease_until DATETIME,
                    last_error TEXT
                );
                CREATE INDEX outbound_due ON outbound(status, next_attempt_at);
                CREATE INDEX outbound_mailbox_created ON outbound(mailbox, created_at);
                """)
        }
        migrator.registerMigration("v3: delivery") { db in
            try db.execute(sql: """
                ALTER TABLE outbound ADD COLUMN sent_at DATETIME;
                ALTER TABLE outbound ADD COLUMN remote_host TEXT;
                CREATE TABLE delivery_attempt (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    outbound INTEGER NOT NULL REFERENCES outbound(id) ON DELETE CASCADE,
                    attempted_at DATETIME NOT NULL,
                    remote_host TEXT,
                    outcome TEXT NOT NULL,           -- 'delivered', 'temporary', 'permanent'
                    reply_code INTEGER,
                    detail TEXT NOT NULL,
                    tls_version TEXT
                );
                CREATE INDEX delivery_attempt_outbound ON delivery_attempt(outbound);
                """)
        }
        migrator.registerMigration("v4: sms") { db in
            try db.execute(sql: """
                CREATE TABLE sms_list (
                    number TEXT PRIMARY KEY,         -- E.164 number the list is reached at
                    settings TEXT NOT NULL,          -- JSON of ReplydCore.SMSList
                    updated_at DATETIME NOT NULL
                );
                CREATE TABLE sms_subscription (
                    list TEXT NOT NULL,
                    number TEXT NOT NULL,
                    status TEXT NOT NULL,            -- 'in' or 'out'
                    changed_at DATETIME NOT NULL,
                    last_autoreply_at DATETIME,
                    PRIMARY KEY (list, number)
                );
                CREATE TABLE inbound_sms (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    provider TEXT NOT NULL,
                    provider_id TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    text TEXT NOT NULL,
                    received_at DATETIME NOT NULL,
                    intent TEXT,
                    action TEXT,                     -- 'reply' or 'none'
                    reason TEXT,
                    outbound INTEGER,
                    UNIQUE (provider, provider_id)   -- a retried webhook is recognised, not answered twice
                );
                """)
        }
        migrator.registerMigration("v5: sms lists by number and prefix") { db in
            // Lists sharing a number are told apart by a keyword prefix; `key` is the number, or
            // "number PREFIX", and is what subscriptions and queued replies (outbound.mailbox) refer to.
            try db.execute(sql: """
                CREATE TABLE sms_list_v5 (
                    key TEXT PRIMARY KEY,
                    number TEXT NOT NULL,
                    prefix TEXT,
                    settings TEXT NOT NULL,          -- JSON of ReplydCore.SMSList
                    updated_at DATETIME NOT NULL
                );
                INSERT INTO sms_list_v5 (key, number, prefix, settings, updated_at)
                    SELECT number, number, NULL, settings, updated_at FROM sms_list;
                DROP TABLE sms_list;
                ALTER TABLE sms_list_v5 RENAME TO sms_list;
                CREATE INDEX sms_list_number ON sms_list(number);
                ALTER TABLE inbound_sms ADD COLUMN list TEXT;   -- the key of the list it was routed to
                """)
        }
        migrator.registerMigration("v6: mail lists") { db in
            try db.execute(sql: """
                CREATE TABLE mail_list (
                    address TEXT PRIMARY KEY,        -- lower-cased
                    settings TEXT NOT NULL,          -- JSON of ReplydCore.MailList
                    updated_at DATETIME NOT NULL
                );
                CREATE TABLE mail_subscription (
                    list TEXT NOT NULL,
                    address TEXT NOT NULL,
                    status TEXT NOT NULL,            -- 'in' or 'out'
                    changed_at DATETIME NOT NULL,
                    PRIMARY KEY (list, address)
                );
                """)
        }
        migrator.registerMigration("v7: mailboxes") { db in
            // Mailboxes created through the admin API (accepted even when mail.catch_all is off), and
            // aliases that belong to the mailbox rather than to its vacation: the alias table no longer
            // hangs off `vacation`, and says where each alias came from.
            try db.execute(sql: """
                CREATE TABLE mailbox (
                    address TEXT PRIMARY KEY,        -- lower-cased
                    name TEXT,
                    created_at DATETIME NOT NULL
                );
                CREATE TABLE mailbox_alias_v7 (
                    alias TEXT PRIMARY KEY,
                    mailbox TEXT NOT NULL,
                    source TEXT NOT NULL DEFAULT 'vacation'   -- 'vacation' or 'mailbox'
                );
                INSERT INTO mailbox_alias_v7 (alias, mailbox) SELECT alias, mailbox FROM mailbox_alias;
                DROP TABLE mailbox_alias;
                ALTER TABLE mailbox_alias_v7 RENAME TO mailbox_alias;
                CREATE INDEX mailbox_alias_mailbox ON mailbox_alias(mailbox);
                """)
        }
        migrator.registerMigration("v8: notifications") { db in
            try db.execute(sql: """
                CREATE TABLE notification (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    order_id TEXT NOT NULL,
                    event TEXT NOT NULL,
                    customer TEXT NOT NULL,          -- JSON of ReplydCore.Customer
                    customer_email TEXT,
                    customer_phone TEXT,
                    data TEXT NOT NULL,              -- JSON object of template variables
                    forced INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL,            -- 'scheduled' or 'held'
                    reason TEXT,                     -- why it was held back
                    notes TEXT NOT NULL DEFAULT '[]',-- JSON: delays and fallbacks with their reasons
                    requested_at DATETIME NOT NULL,
                    send_at DATETIME
                );
                CREATE INDEX notification_order ON notification(order_id, event);
                CREATE INDEX notification_email ON notification(customer_email, send_at);
                CREATE INDEX notification_phone ON notification(customer_phone, send_at);
                ALTER TABLE outbound ADD COLUMN notification INTEGER;
                CREATE INDEX outbound_notification ON outbound(notification);
                CREATE TABLE notification_template (
                    event TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    locale TEXT NOT NULL,
                    subject TEXT,
                    body TEXT NOT NULL,
                    updated_at DATETIME NOT NULL,
                    PRIMARY KEY (event, channel, locale)
                );
                """)
        }
        migrator.registerMigration("v9: queue index per channel") { db in
            // Each worker polls its own channel: without the channel in the index, a backlog of one
            // channel made every poll of the other scan it.
            try db.execute(sql: """
                CREATE INDEX outbound_channel_due ON outbound(channel, status, next_attempt_at);
                """)
        }
        migrator.registerMigration("v10: quiet hours kept with a notification") { db in
            // A retry of a notification must not land in the customer's night either.
            try db.execute(sql: """
                ALTER TABLE notification ADD COLUMN quiet_hours TEXT;   -- "21:00-08:00", NULL: none
                ALTER TABLE notification ADD COLUMN time_zone TEXT;     -- the zone they were applied in
                """)
        }
        migrator.registerMigration("v11: mail list confirmations") { db in
            // Double opt-in: a START only records a pending confirmation; its answer subscribes.
            try db.execute(sql: """
                CREATE TABLE mail_confirmation (
                    list TEXT NOT NULL,
                    address TEXT NOT NULL,
                    token TEXT NOT NULL,
                    requested_at DATETIME NOT NULL,
                    PRIMARY KEY (list, address)
                );
                CREATE INDEX mail_confirmation_pending ON mail_confirmation(list, requested_at);
                """)
        }
        migrator.registerMigration("v12: outbound says what it carries") { db in
            // Before, `subject` carried an SMS's intent (or "notify:EVENT") and `mailbox` a list key or
            // the word "notifications". Now: `kind` says what a row answers, `mailbox` is a vacation
            // mailbox only, `list_key` the list (or sending number) whose opt-outs govern it, and
            // `intent` the keyword it answers. A mail-list answer is told from a vacation reply by
            // its address being a list's.
            try db.execute(sql: """
                ALTER TABLE outbound ADD COLUMN kind TEXT NOT NULL DEFAULT 'vacation';
                ALTER TABLE outbound ADD COLUMN list_key TEXT;
                ALTER TABLE outbound ADD COLUMN intent TEXT;
                UPDATE outbound SET kind = 'notification', list_key = CASE WHEN channel = 'sms' THEN mailbox END,
                    mailbox = NULL, subject = CASE WHEN channel = 'sms' THEN NULL ELSE subject END
                    WHERE notification IS NOT NULL;
                UPDATE outbound SET kind = 'sms-list', list_key = mailbox, intent = subject, subject = NULL, mailbox = NULL
                    WHERE channel = 'sms' AND notification IS NULL;
                UPDATE outbound SET kind = 'mail-list', list_key = mailbox, mailbox = NULL
                    WHERE channel = 'email' AND notification IS NULL AND mailbox IN (SELECT address FROM mail_list);
                """)
        }
        migrator.registerMigration("v13: header fields are read from the raw bytes") { db in
            // A row per header field (and its index entry) cost more than the rest of a message's
            // rows together and said nothing the raw bytes do not: `explain` parses them again, and
            // the columns the policies and listings query stay on inbound_message.
            try db.execute(sql: "DROP TABLE inbound_header")
        }
        migrator.registerMigration("v14: the SPF result of each message") { db in
            // What the check said at SMTP time (none of it can be recomputed later: DNS changes).
            try db.execute(sql: """
                ALTER TABLE inbound_message ADD COLUMN spf_result TEXT;
                ALTER TABLE inbound_message ADD COLUMN spf_identity TEXT;
                ALTER TABLE inbound_message ADD COLUMN spf_domain TEXT;
                ALTER TABLE inbound_message ADD COLUMN spf_detail TEXT;
                ALTER TABLE inbound_message ADD COLUMN spf_explanation TEXT;
                """)
        }
        migrator.registerMigration("v15: trace fields beside the bytes as received") { db in
            try db.execute(sql: "ALTER TABLE inbound_message ADD COLUMN trace TEXT")
        }
        return migrator
    }
}
