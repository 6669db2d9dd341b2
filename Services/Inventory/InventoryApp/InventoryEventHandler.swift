import Contracts
import EventSourcing
import EventStore
import InventoryDomain
import ServiceKit

/// The inventory's side of the saga: reserve stock for paid orders, release it for cancelled ones.
struct InventoryEventHandler: EventHandler {
    func handle(_ envelope: EventEnvelope, in transaction: StoreTransaction) throws {
        let metadata = envelope.metadata
        switch metadata.eventType {
        // Happy path
        case PaymentAuthorized.eventType:
            let paid = try envelope.payload(as: PaymentAuthorized.self)
            try decide(orderId: paid.orderId, skus: paid.items.map(\.sku), cause: metadata, in: transaction) { reservation, products in
                try reservation.reserve(orderId: paid.orderId, items: paid.items, products: products)
            }
        // Compensation
        case OrderCancelled.eventType:
            let cancelled = try envelope.payload(as: OrderCancelled.self)
            let held = try transaction.load(Reservation.self, id: cancelled.orderId).state.items.map(\.sku)
            try decide(orderId: cancelled.orderId, skus: held, cause: metadata, in: transaction) { reservation, products in
                try reservation.cancel(orderId: cancelled.orderId, products: products)
            }
        default:
            throw EnvelopeError.notAReaction(eventType: metadata.eventType)
        }
    }

    /// Loads the order's reservation and the products it names, decides, and appends to all of them.
    private func decide(
        orderId: String, skus: [String], cause: EventMetadata, in transaction: StoreTransaction,
        _ decision: (Reservation, [IdentifierKey: Product]) throws -> ReservationDecision
    ) throws {
        let reservation = try transaction.load(Reservation.self, id: orderId)
        // Keyed byte for byte: two SKUs Swift calls equal (NFC and NFD) are two products.
        var products: [IdentifierKey: Versioned<Product>] = [:]
        for sku in Set(skus.map { IdentifierKey($0) }) { products[sku] = try transaction.load(Product.self, id: sku.id) }
        let outcome = try decision(reservation.state, products.mapValues(\.state))
        let context = EventContext(correlationId: orderId, causationId: cause.eventId)
        for (sku, product) in products.sorted(by: { $0.key < $1.key }) {
            try transaction.append(outcome.products[sku] ?? [], to: product, id: sku.id, context: context)
        }
        try transaction.append(outcome.reservation, to: reservation, id: orderId, context: context)
    }
}
