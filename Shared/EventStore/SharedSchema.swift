import GRDB

/// The tables every service has: events, outbox, inbox, snapshots, parked messages.
enum SharedSchema {
    static let migrations: [Migration] = [
        Migration("v1: event store, outbox, inbox") { db in
            // Position is the global commit order served by the event feed; AUTOINCREMENT never reuses one.
            try db.execute(sql: """
                CREATE TABLE events (
                    position INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL UNIQUE,
                    aggregate_type TEXT NOT NULL,
                    aggregate_id TEXT NOT NULL,
                    version INTEGER NOT NULL CHECK (version > 0),
                    event_type TEXT NOT NULL,
                    schema_version INTEGER NOT NULL CHECK (schema_version > 0),
                    payload TEXT NOT NULL,
                    correlation_id TEXT NOT NULL,
                    causation_id TEXT,
                    occurred_at TEXT NOT NULL,
                    UNIQUE (aggregate_type, aggregate_id, version)
                );
                CREATE TABLE outbox (
                    position INTEGER PRIMARY KEY REFERENCES events(position),
                    published_at TEXT
                );
                CREATE INDEX outbox_unpublished ON outbox(position) WHERE published_at IS NULL;
                CREATE TABLE inbox (
                    event_id TEXT PRIMARY KEY,
                    handled_at TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        },
        Migration("v2: snapshots") { db in
            // Every snapshot is kept (one per N events): a history load starts from the latest one at or before its version.
            // A snapshot is the state's JSON at `version`, in the aggregate's snapshot schema `schema_version`.
            try db.execute(sql: """
                CREATE TABLE snapshots (
                    aggregate_type TEXT NOT NULL,
                    aggregate_id TEXT NOT NULL,
                    version INTEGER NOT NULL CHECK (version > 0),
                    schema_version INTEGER NOT NULL CHECK (schema_version > 0),
                    state TEXT NOT NULL,
                    taken_at TEXT NOT NULL,
                    PRIMARY KEY (aggregate_type, aggregate_id, version)
                ) WITHOUT ROWID;
                """)
        },
        Migration("v3: outbox set-aside, delivery attempts") { db in
            // An outbox row the relay cannot publish is set aside with its reason instead of blocking
            // the rows behind it; an operator lists it and puts it back (set_aside_at NULL again).
            // delivery_attempts journals each redelivered message before it is handled, so that a
            // delivery that kills the process is still counted across restarts.
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN set_aside_at TEXT;
                ALTER TABLE outbox ADD COLUMN set_aside_reason TEXT;
                CREATE INDEX outbox_set_aside ON outbox(position) WHERE set_aside_at IS NOT NULL;
                CREATE TABLE delivery_attempts (
                    message_id TEXT PRIMARY KEY,
                    attempts INTEGER NOT NULL CHECK (attempts > 0),
                    first_attempt_at TEXT NOT NULL,
                    last_attempt_at TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        },
        Migration("v4: parked messages") { db in
            // The service's dead letters, moved whole out of `<service>.dead-letters` by the keeper.
            // One row per message id (a message parked again replaces its row); `sequence` orders
            // rows parked at the same instant and names a row in a cursor; `claim` marks a row a
            // replay is publishing, so no other replay or delete takes it meanwhile.
            try db.execute(sql: """
                CREATE TABLE parked_messages (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    message_id TEXT NOT NULL UNIQUE,
                    event_type TEXT,
                    reason TEXT,
                    source TEXT,
                    parked_at TEXT NOT NULL,
                    correlation_id TEXT,
                    original_exchange TEXT,
                    original_routing_key TEXT,
                    error TEXT,
                    attempts INTEGER NOT NULL,
                    delivery_exchange TEXT NOT NULL,
                    delivery_routing_key TEXT NOT NULL,
                    properties TEXT NOT NULL,
                    body BLOB NOT NULL,
                    claim TEXT
                );
                CREATE INDEX parked_messages_by_time ON parked_messages(parked_at, sequence);
                CREATE INDEX parked_messages_by_event_type ON parked_messages(event_type, parked_at, sequence);
                CREATE INDEX parked_messages_by_reason ON parked_messages(reason, parked_at, sequence);
                CREATE INDEX parked_messages_by_source ON parked_messages(source, parked_at, sequence);
                CREATE INDEX parked_messages_claimed ON parked_messages(claim) WHERE claim IS NOT NULL;
                """)
            // Row counts, kept by triggers, so that a listing's total costs the same for 10 or
            // 100,000 rows: in all (`all`, '') and per event type, reason and source.
            try db.execute(sql: """
                CREATE TABLE parked_message_counts (
                    dimension TEXT NOT NULL,
                    value TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (dimension, value)
                ) WITHOUT ROWID;
                CREATE TRIGGER parked_messages_counted AFTER INSERT ON parked_messages BEGIN
                    INSERT INTO parked_message_counts (dimension, value, count)
                    SELECT dimension, value, 1 FROM (
                        SELECT 'all' AS dimension, '' AS value
                        UNION ALL SELECT 'event_type', NEW.event_type WHERE NEW.event_type IS NOT NULL
                        UNION ALL SELECT 'reason', NEW.reason WHERE NEW.reason IS NOT NULL
                        UNION ALL SELECT 'source', NEW.source WHERE NEW.source IS NOT NULL
                    ) WHERE true
                    ON CONFLICT (dimension, value) DO UPDATE SET count = count + 1;
                END;
                CREATE TRIGGER parked_messages_uncounted AFTER DELETE ON parked_messages BEGIN
                    UPDATE parked_message_counts SET count = count - 1
                    WHERE (dimension = 'all' AND value = '')
                       OR (dimension = 'event_type' AND value = OLD.event_type)
                       OR (dimension = 'reason' AND value = OLD.reason)
                       OR (dimension = 'source' AND value = OLD.source);
                END;
                """)
        },
        Migration("v5: outbox trace context") { db in
            // The W3C traceparent of the span that appended the event (NULL when not traced): the
            // relay's publish span becomes its child, so a saga is one trace across the services.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN traceparent TEXT")
        },
    ]
}
