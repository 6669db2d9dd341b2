import EventStore
import GRDB

/// The schema of projection-service's files (``ReadModelDatabase``): the read models, each
/// source's applied position, the active-store row, and the ``DeliveryTables``. Nothing of an
/// event store: the projection stores no events, has no outbox and, positions doing its job, no inbox.
enum ReadModelSchema {
    static let migrations: [Migration] = [
        Migration("read store v1: read models, source positions, active store, delivery tables", replacing: eventStoreHistory) { db, replaced in
            if !replaced.isEmpty { try adopt(db, replaced: replaced) }
            try DeliveryTables.createMissing(in: db)
            if try !db.tableExists("order_views") { try db.execute(sql: readModels) }
            if try !db.tableExists("source_positions") { try db.execute(sql: sourcePositions) }
            if try !db.tableExists("active_store") { try db.execute(sql: activeStore) }
        },
    ]

    /// The migrations of a file made when the projection's files were event stores with the read
    /// models beside them: the event store's, then the projection's, then the store probe's.
    static let eventStoreHistory: Set<String> = [
        "v1: event store, outbox, inbox", "v2: snapshots", "v3: outbox set-aside, delivery attempts",
        "v4: parked messages", "v5: outbox trace context", readModelsV1, positionsV2, "storeProbe",
    ]
    private static let readModelsV1 = "projection v1: orders, accounts, products, timeline"
    private static let positionsV2 = "projection v2: source positions, active store"

    /// Takes over a file of that old schema as it is: its read models, positions, active-store
    /// row, parked messages and journal stay; the event store's tables, never used, go.
    private static func adopt(_ db: Database, replaced: Set<String>) throws {
        try db.execute(sql: """
            DROP TABLE IF EXISTS outbox;
            DROP TABLE IF EXISTS inbox;
            DROP TABLE IF EXISTS snapshots;
            DROP TABLE IF EXISTS events;
            """)
        // What was applied before positions existed is dropped and caught up again from the feeds.
        if replaced.contains(readModelsV1), !replaced.contains(positionsV2) {
            try db.execute(sql: "DROP TABLE order_views; DROP TABLE account_views; DROP TABLE product_views; DROP TABLE timeline; DROP TABLE source_progress")
        }
    }

    private static let readModels = """
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
        """

    // Per source, the position of the last event applied, committed with the rows it changed.
    private static let sourcePositions = """
        CREATE TABLE source_positions (
            source TEXT PRIMARY KEY,
            position INTEGER NOT NULL CHECK (position >= 0)
        );
        """

    // In the service's own file only: which file the read models live in after a rebuild.
    private static let activeStore = """
        CREATE TABLE active_store (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            file_name TEXT NOT NULL,
            rebuild_id TEXT NOT NULL,
            switched_at TEXT NOT NULL
        );
        """
}
