import Contracts
import EventStore
import Foundation
import GRDB
import ServiceKit

/// Applies every event of the three services to the read models.
///
/// Each view row remembers the aggregate version it reflects and only moves forward, so a
/// duplicate or an older event changes nothing; immutable facts (an order's lines) are filled
/// in whenever they arrive.
struct ProjectionEventHandler: EventHandler {
    func handle(_ envelope: EventEnvelope, in transaction: StoreTransaction) throws {
        let db = transaction.db
        let metadata = envelope.metadata
        let version = metadata.aggregateVersion
        let at = Timestamp.format(metadata.occurredAt)
        switch metadata.eventType {
        case OrderPlaced.eventType:
            let placed = try envelope.payload(as: OrderPlaced.self)
            let items = String(decoding: try JSONCoding.encoder().encode(placed.items), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO order_views (order_id, customer_id, status, items, total, currency, version, created_at, updated_at)
                VALUES (?, ?, 'PENDING', ?, ?, ?, ?, ?, ?)
                ON CONFLICT (order_id) DO UPDATE SET
                    customer_id = excluded.customer_id, items = excluded.items, total = excluded.total,
                    currency = excluded.currency, created_at = excluded.created_at,
                    status = CASE WHEN excluded.version > order_views.version THEN excluded.status ELSE order_views.status END,
                    updated_at = CASE WHEN excluded.version > order_views.version THEN excluded.updated_at ELSE order_views.updated_at END,
                    version = MAX(order_views.version, excluded.version)
                """, arguments: [placed.orderId, placed.customerId, items, placed.total, placed.currency, version, at, at])
        case OrderConfirmed.eventType:
            let confirmed = try envelope.payload(as: OrderConfirmed.self)
            try updateOrderStatus(confirmed.orderId, status: "CONFIRMED", reason: nil, version: version, at: at, db: db)
        case OrderCancelled.eventType:
            let cancelled = try envelope.payload(as: OrderCancelled.self)
            try updateOrderStatus(cancelled.orderId, status: "CANCELLED", reason: cancelled.reason.rawValue, version: version, at: at, db: db)
        case PaymentAuthorized.eventType:
            let payment = try envelope.payload(as: PaymentAuthorized.self)
            try updatePayment(payment.orderId, status: "AUTHORIZED", amount: payment.amount, version: version, db: db)
        case PaymentDeclined.eventType:
            let payment = try envelope.payload(as: PaymentDeclined.self)
            try updatePayment(payment.orderId, status: "DECLINED", amount: payment.amount, version: version, db: db)
        case PaymentRefunded.eventType:
            let payment = try envelope.payload(as: PaymentRefunded.self)
            try updatePayment(payment.orderId, status: "REFUNDED", amount: payment.amount, version: version, db: db)
        case InventoryReserved.eventType:
            try updateInventory(try envelope.payload(as: InventoryReserved.self).orderId, status: "RESERVED", version: version, db: db)
        case InventoryReservationFailed.eventType:
            try updateInventory(try envelope.payload(as: InventoryReservationFailed.self).orderId, status: "FAILED", version: version, db: db)
        case InventoryReleased.eventType:
            try updateInventory(try envelope.payload(as: InventoryReleased.self).orderId, status: "RELEASED", version: version, db: db)
        case AccountDeposited.eventType:
            let event = try envelope.payload(as: AccountDeposited.self)
            try updateAccount(event.customerId, balance: event.balance, version: version, db: db)
        case AccountDebited.eventType:
            let event = try envelope.payload(as: AccountDebited.self)
            try updateAccount(event.customerId, balance: event.balance, version: version, db: db)
        case AccountCredited.eventType:
            let event = try envelope.payload(as: AccountCredited.self)
            try updateAccount(event.customerId, balance: event.balance, version: version, db: db)
        case ProductRestocked.eventType:
            let event = try envelope.payload(as: ProductRestocked.self)
            try updateProduct(event.sku, name: event.name, available: event.available, reserved: event.reserved, version: version, db: db)
        case ProductReserved.eventType:
            let event = try envelope.payload(as: ProductReserved.self)
            try updateProduct(event.sku, name: nil, available: event.available, reserved: event.reserved, version: version, db: db)
        case ProductReleased.eventType:
            let event = try envelope.payload(as: ProductReleased.self)
            try updateProduct(event.sku, name: nil, available: event.available, reserved: event.reserved, version: version, db: db)
        case ProductStockCorrected.eventType:
            let event = try envelope.payload(as: ProductStockCorrected.self)
            try updateProduct(event.sku, name: nil, available: event.available, reserved: event.reserved, version: version, db: db)
        default:
            throw ProjectionError.unknownEventType(metadata.eventType)
        }
        try recordInTimeline(metadata, db: db)
    }

    private func updateOrderStatus(_ orderId: String, status: String, reason: String?, version: Int, at: String, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO order_views (order_id, status, cancellation_reason, version, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (order_id) DO UPDATE SET
                status = excluded.status, cancellation_reason = excluded.cancellation_reason,
                version = excluded.version, updated_at = excluded.updated_at
            WHERE excluded.version > order_views.version
            """, arguments: [orderId, status, reason, version, at])
    }

    private func updatePayment(_ orderId: String, status: String, amount: Int, version: Int, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO order_views (order_id, payment_status, payment_amount, payment_version) VALUES (?, ?, ?, ?)
            ON CONFLICT (order_id) DO UPDATE SET
                payment_status = excluded.payment_status, payment_amount = excluded.payment_amount,
                payment_version = excluded.payment_version
            WHERE excluded.payment_version > order_views.payment_version
            """, arguments: [orderId, status, amount, version])
    }

    private func updateInventory(_ orderId: String, status: String, version: Int, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO order_views (order_id, inventory_status, inventory_version) VALUES (?, ?, ?)
            ON CONFLICT (order_id) DO UPDATE SET
                inventory_status = excluded.inventory_status, inventory_version = excluded.inventory_version
            WHERE excluded.inventory_version > order_views.inventory_version
            """, arguments: [orderId, status, version])
    }

    private func updateAccount(_ customerId: String, balance: Int, version: Int, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO account_views (customer_id, balance, version) VALUES (?, ?, ?)
            ON CONFLICT (customer_id) DO UPDATE SET balance = excluded.balance, version = excluded.version
            WHERE excluded.version > account_views.version
            """, arguments: [customerId, balance, version])
    }

    private func updateProduct(_ sku: String, name: String?, available: Int, reserved: Int, version: Int, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO product_views (sku, name, available, reserved, version) VALUES (?, COALESCE(?, ?), ?, ?, ?)
            ON CONFLICT (sku) DO UPDATE SET
                name = COALESCE(?, product_views.name), available = excluded.available,
                reserved = excluded.reserved, version = excluded.version
            WHERE excluded.version > product_views.version
            """, arguments: [sku, name, sku, available, reserved, version, name])
    }

    private func recordInTimeline(_ metadata: EventMetadata, db: Database) throws {
        let service = ServiceName(owning: metadata.aggregateType)?.rawValue ?? "unknown"
        let at = Timestamp.format(metadata.occurredAt)
        try db.execute(sql: """
            INSERT INTO timeline (event_id, order_id, service, event_type, aggregate_type, aggregate_id, aggregate_version, causation_id, occurred_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING
            """, arguments: [
                metadata.eventId, metadata.correlationId, service, metadata.eventType, metadata.aggregateType,
                metadata.aggregateId, metadata.aggregateVersion, metadata.causationId, at,
            ])
        try db.execute(sql: """
            INSERT INTO source_progress (service, last_event_at, applied) VALUES (?, ?, 1)
            ON CONFLICT (service) DO UPDATE SET last_event_at = MAX(last_event_at, excluded.last_event_at), applied = applied + 1
            """, arguments: [service, at])
    }
}

/// An event the projection cannot apply.
enum ProjectionError: Error, CustomStringConvertible {
    case unknownEventType(String)

    var description: String {
        switch self {
        case .unknownEventType(let type): "no read model knows event type \(type)"
        }
    }
}
