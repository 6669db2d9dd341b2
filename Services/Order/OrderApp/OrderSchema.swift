import EventStore
import GRDB

/// The order-service's own tables, beside the shared event store.
enum OrderSchema {
    static let migrations: [Migration] = [
        Migration("order v1: idempotency keys") { db in
            try db.execute(sql: """
                CREATE TABLE idempotency_keys (
                    key TEXT PRIMARY KEY,
                    request TEXT NOT NULL,
                    order_id TEXT NOT NULL,
                    created_at TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        },
        Migration("order v2: saga deadlines") { db in
            try db.execute(sql: """
                CREATE TABLE saga_deadlines (
                    order_id TEXT PRIMARY KEY,
                    due_at TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX saga_deadlines_by_due ON saga_deadlines(due_at);
                """)
        },
    ]
}
