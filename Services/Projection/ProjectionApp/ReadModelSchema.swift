import EventStore
import GRDB

/// The read models: rebuildable from the owning services' events at any time.
enum ReadModelSchema {
    static let migrations: [Migration] = [
        Migration("projection v1: orders, accounts, products, timeline") { db in
            try db.execute(sql: """
                CREATE TABLE order_views (
                    order_id TEXT PRIMARY KEY,
                    customer_id TEXT,
                    status TEXT,
                    items TEXT,
                    total INTEGER,
                    currency TEXT,
                    cancellation_reason TEXT,
                    version INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT,
                    updated_at TEXT,
                    payment_status TEXT,
                    payment_amount INTEGER,
                    payment_version INTEGER NOT NULL DEFAULT 0,
                    inventory_status TEXT,
                    inventory_version INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX order_views_by_customer ON order_views(customer_id, created_at);
                CREATE INDEX order_views_by_status ON order_views(status, created_at);
                CREATE INDEX order_views_by_time ON order_views(created_at, order_id);
                CREATE TABLE account_views (
                    customer_id TEXT PRIMARY KEY,
                    balance INTEGER NOT NULL,
                    version INTEGER NOT NULL
                );
                CREATE TABLE product_views (
                    sku TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    available INTEGER NOT NULL,
                    reserved INTEGER NOT NULL,
                    version INTEGER NOT NULL
                );
                CREATE TABLE timeline (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL UNIQUE,
                    order_id TEXT NOT NULL,
                    service TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    aggregate_type TEXT NOT NULL,
                    aggregate_id TEXT NOT NULL,
                    aggregate_version INTEGER NOT NULL,
                    causation_id TEXT,
                    occurred_at TEXT NOT NULL
                );
                CREATE INDEX timeline_by_order ON timeline(order_id, occurred_at);
                CREATE TABLE source_progress (
                    service TEXT PRIMARY KEY,
                    last_event_at TEXT NOT NULL,
                    applied INTEGER NOT NULL
                );
                """)
        },
        Migration("projection v2: source positions, active store") { db in
            // Every source is applied in its feed's position order from here on: what v1 applied
            // without positions is dropped and caught up again from the feeds.
            try db.execute(sql: """
                DELETE FROM order_views;
                DELETE FROM account_views;
                DELETE FROM product_views;
                DELETE FROM timeline;
                DELETE FROM source_progress;
                CREATE TABLE source_positions (
                    source TEXT PRIMARY KEY,
                    position INTEGER NOT NULL CHECK (position >= 0)
                );
                CREATE TABLE active_store (
                    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                    file_name TEXT NOT NULL,
                    rebuild_id TEXT NOT NULL,
                    switched_at TEXT NOT NULL
                );
                """)
        },
    ]
}
