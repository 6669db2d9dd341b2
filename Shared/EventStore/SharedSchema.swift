import GRDB

/// The event store's schema history: events, outbox, inbox, snapshots, and the ``DeliveryTables``
/// (the store probe's table comes after the service's own migrations).
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
                """)
            try db.execute(sql: DeliveryTables.deliveryAttemptsSchema)
        },
        Migration("v4: parked messages") { db in
            try db.execute(sql: DeliveryTables.parkedMessagesSchema)
            try db.execute(sql: DeliveryTables.parkedMessageCountsSchema)
        },
        Migration("v5: outbox trace context") { db in
            // The W3C traceparent of the span that appended the event (NULL when not traced): the
            // relay's publish span becomes its child, so a saga is one trace across the services.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN traceparent TEXT")
        },
    ]
}
