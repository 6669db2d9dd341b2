import Contracts
import Foundation

/// Applies every event of the three services to the read models: which rows each event type
/// changes (``ReadModelWriter`` says how). Immutable facts (an order's lines) are filled in
/// whenever they arrive; the rest only moves forward by aggregate version.
struct ProjectionEventHandler: Sendable {
    /// Applies `envelope` through `writer`.
    /// - Throws: ``ProjectionError`` for an event type no read model knows, ``EnvelopeError`` for a malformed payload.
    func handle(_ envelope: EventEnvelope, in writer: ReadModelWriter) throws {
        let metadata = envelope.metadata
        let version = metadata.aggregateVersion
        let at = Timestamp.format(metadata.occurredAt)
        switch metadata.eventType {
        case OrderPlaced.eventType:
            let placed = try envelope.payload(as: OrderPlaced.self)
            let items = String(decoding: try JSONCoding.encoder().encode(placed.items), as: UTF8.self)
            try writer.placeOrder(
                placed.orderId, customerId: placed.customerId, items: items, total: placed.total, currency: placed.currency,
                version: version, at: at)
        case OrderConfirmed.eventType:
            let confirmed = try envelope.payload(as: OrderConfirmed.self)
            try writer.setOrderStatus(confirmed.orderId, status: "CONFIRMED", reason: nil, version: version, at: at)
        case OrderCancelled.eventType:
            let cancelled = try envelope.payload(as: OrderCancelled.self)
            try writer.setOrderStatus(cancelled.orderId, status: "CANCELLED", reason: cancelled.reason.rawValue, version: version, at: at)
        case PaymentAuthorized.eventType:
            let payment = try envelope.payload(as: PaymentAuthorized.self)
            try writer.setPayment(payment.orderId, status: "AUTHORIZED", amount: payment.amount, version: version)
        case PaymentDeclined.eventType:
            let payment = try envelope.payload(as: PaymentDeclined.self)
            try writer.setPayment(payment.orderId, status: "DECLINED", amount: payment.amount, version: version)
        case PaymentRefunded.eventType:
            let payment = try envelope.payload(as: PaymentRefunded.self)
            try writer.setPayment(payment.orderId, status: "REFUNDED", amount: payment.amount, version: version)
        case InventoryReserved.eventType:
            try writer.setInventory(try envelope.payload(as: InventoryReserved.self).orderId, status: "RESERVED", version: version)
        case InventoryReservationFailed.eventType:
            try writer.setInventory(try envelope.payload(as: InventoryReservationFailed.self).orderId, status: "FAILED", version: version)
        case InventoryReleased.eventType:
            try writer.setInventory(try envelope.payload(as: InventoryReleased.self).orderId, status: "RELEASED", version: version)
        case AccountDeposited.eventType:
            let event = try envelope.payload(as: AccountDeposited.self)
            try writer.setAccount(event.customerId, balance: event.balance, version: version)
        case AccountDebited.eventType:
            let event = try envelope.payload(as: AccountDebited.self)
            try writer.setAccount(event.customerId, balance: event.balance, version: version)
        case AccountCredited.eventType:
            let event = try envelope.payload(as: AccountCredited.self)
            try writer.setAccount(event.customerId, balance: event.balance, version: version)
        case ProductRestocked.eventType:
            let event = try envelope.payload(as: ProductRestocked.self)
            try writer.setProduct(event.sku, name: event.name, available: event.available, reserved: event.reserved, version: version)
        case ProductReserved.eventType:
            let event = try envelope.payload(as: ProductReserved.self)
            try writer.setProduct(event.sku, name: nil, available: event.available, reserved: event.reserved, version: version)
        case ProductReleased.eventType:
            let event = try envelope.payload(as: ProductReleased.self)
            try writer.setProduct(event.sku, name: nil, available: event.available, reserved: event.reserved, version: version)
        case ProductStockCorrected.eventType:
            let event = try envelope.payload(as: ProductStockCorrected.self)
            try writer.setProduct(event.sku, name: nil, available: event.available, reserved: event.reserved, version: version)
        default:
            throw ProjectionError.unknownEventType(metadata.eventType)
        }
        try writer.recordInTimeline(metadata)
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
