import Contracts
import Foundation
import GRDB

/// One write transaction on a read store: every change the projection makes to its read models
/// and positions, by name. Each view row remembers the aggregate version it reflects and only
/// moves forward, so a duplicate or an older event changes nothing.
struct ReadModelWriter {
    private let db: Database

    init(_ db: Database) {
        self.db = db
    }

    /// Runs `body` in a savepoint: if it throws, its changes are undone and the rest of the transaction goes on.
    func savepoint(_ body: () throws -> Void) throws {
        try db.inSavepoint {
            try body()
            return .commit
        }
    }

    /// The position of the last event of `source` applied; 0 before the first.
    func position(of source: ServiceName) throws -> Int64 {
        try SourcePositions.position(of: source, db)
    }

    func setPosition(_ position: Int64, of source: ServiceName) throws {
        try SourcePositions.set(position, of: source, db)
    }

    /// An order was placed: its lines and totals, which never change, and its status unless a later event set it.
    func placeOrder(
        _ orderId: String, customerId: String, items: String, total: Int, currency: String, version: Int, at: String
    ) throws {
        try db.cachedStatement(sql: """
            INSERT INTO order_views (order_id, customer_id, status, items, total, currency, version, created_at, updated_at)
            VALUES (?, ?, 'PENDING', ?, ?, ?, ?, ?, ?)
            ON CONFLICT (order_id) DO UPDATE SET
                customer_id = excluded.customer_id, items = excluded.items, total = excluded.total,
                currency = excluded.currency, created_at = excluded.created_at,
                status = CASE WHEN excluded.version > order_views.version THEN excluded.status ELSE order_views.status END,
                updated_at = CASE WHEN excluded.version > order_views.version THEN excluded.updated_at ELSE order_views.updated_at END,
                version = MAX(order_views.version, excluded.version)
            """).execute(arguments: [orderId, customerId, items, total, currency, version, at, at])
    }

    func setOrderStatus(_ orderId: String, status: String, reason: String?, version: Int, at: String) throws {
        try db.cachedStatement(sql: """
            INSERT INTO order_views (order_id, status, cancellation_reason, version, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (order_id) DO UPDATE SET
                status = excluded.status, cancellation_reason = excluded.cancellation_reason,
                version = excluded.version, updated_at = excluded.updated_at
            WHERE excluded.version > order_views.version
            """).execute(arguments: [orderId, status, reason, version, at])
    }

    func setPayment(_ orderId: String, status: String, amount: Int, version: Int) throws {
        try db.cachedStatement(sql: """
            INSERT INTO order_views (order_id, payment_status, payment_amount, payment_version) VALUES (?, ?, ?, ?)
            ON CONFLICT (order_id) DO UPDATE SET
                payment_status = excluded.payment_status, payment_amount = excluded.payment_amount,
                payment_version = excluded.payment_version
            WHERE excluded.payment_version > order_views.payment_version
            """).execute(arguments: [orderId, status, amount, version])
    }

    func setInventory(_ orderId: String, status: String, version: Int) throws {
        try db.cachedStatement(sql: """
            INSERT INTO order_views (order_id, inventory_status, inventory_version) VALUES (?, ?, ?)
            ON CONFLICT (order_id) DO UPDATE SET
                inventory_status = excluded.inventory_status, inventory_version = excluded.inventory_version
            WHERE excluded.inventory_version > order_views.inventory_version
            """).execute(arguments: [orderId, status, version])
    }

    func setAccount(_ customerId: String, balance: Int, version: Int) throws {
        try db.cachedStatement(sql: """
            INSERT INTO account_views (customer_id, balance, version) VALUES (?, ?, ?)
            ON CONFLICT (customer_id) DO UPDATE SET balance = excluded.balance, version = excluded.version
            WHERE excluded.version > account_views.version
            """).execute(arguments: [customerId, balance, version])
    }

    /// `name` is `nil` for events that do not carry it; a new product is then named by its SKU until one does.
    func setProduct(_ sku: String, name: String?, available: Int, reserved: Int, version: Int) throws {
        try db.cachedStatement(sql: """
            INSERT INTO product_views (sku, name, available, reserved, version) VALUES (?, COALESCE(?, ?), ?, ?, ?)
            ON CONFLICT (sku) DO UPDATE SET
                name = COALESCE(?, product_views.name), available = excluded.available,
                reserved = excluded.reserved, version = excluded.version
            WHERE excluded.version > product_views.version
            """).execute(arguments: [sku, name, sku, available, reserved, version, name])
    }

    /// Adds the event to its saga's timeline (once) and counts it in its service's progress.
    func recordInTimeline(_ metadata: EventMetadata) throws {
        let service = ServiceName(owning: metadata.aggregateType)?.rawValue ?? "unknown"
        let at = Timestamp.format(metadata.occurredAt)
        try db.cachedStatement(sql: """
            INSERT INTO timeline (event_id, order_id, service, event_type, aggregate_type, aggregate_id, aggregate_version, causation_id, occurred_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING
            """).execute(arguments: [
                metadata.eventId, metadata.correlationId, service, metadata.eventType, metadata.aggregateType,
                metadata.aggregateId, metadata.aggregateVersion, metadata.causationId, at,
            ])
        try db.cachedStatement(sql: """
            INSERT INTO source_progress (service, last_event_at, applied) VALUES (?, ?, 1)
            ON CONFLICT (service) DO UPDATE SET last_event_at = MAX(last_event_at, excluded.last_event_at), applied = applied + 1
            """).execute(arguments: [service, at])
    }

    /// Names `fileName` in the `active_store` row.
    func activate(_ fileName: String, rebuildId: String, at now: Date) throws {
        try db.cachedStatement(sql: """
            INSERT INTO active_store (singleton, file_name, rebuild_id, switched_at) VALUES (1, ?, ?, ?)
            ON CONFLICT (singleton) DO UPDATE SET
                file_name = excluded.file_name, rebuild_id = excluded.rebuild_id, switched_at = excluded.switched_at
            """).execute(arguments: [fileName, rebuildId, Timestamp.format(now)])
    }

    func clearReadModels() throws {
        try db.execute(sql: """
            DELETE FROM order_views; DELETE FROM account_views; DELETE FROM product_views;
            DELETE FROM timeline; DELETE FROM source_progress; DELETE FROM source_positions;
            """)
    }
}
