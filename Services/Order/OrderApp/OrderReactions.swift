import Contracts
import Delivery
import EventStore
import Foundation
import OrderDomain

/// The order's side of the saga: confirm when stock is reserved, cancel when payment is declined or refunded.
public struct OrderReactions: SagaReactions {
    public init() {}

    public func react(_ reaction: OrderReaction, to envelope: EventEnvelope, in transaction: StoreTransaction) throws {
        let metadata = envelope.metadata
        // One clock reading per decision: the event's time and the order's `updatedAt` are the same instant.
        let now = Date()
        let orderId: String
        let decide: (Order) throws -> [OrderEvent]
        switch reaction {
        // Happy path
        case .inventoryReserved:
            orderId = try envelope.payload(as: InventoryReserved.self).orderId
            decide = { try $0.confirm(now: now) }
        // Compensation
        case .paymentDeclined:
            orderId = try envelope.payload(as: PaymentDeclined.self).orderId
            decide = { try $0.cancel(reason: .paymentDeclined, now: now) }
        case .paymentRefunded:
            let refunded = try envelope.payload(as: PaymentRefunded.self)
            orderId = refunded.orderId
            decide = { try $0.cancel(reason: refunded.reason, now: now) }
        }
        let order = try transaction.load(Order.self, id: orderId)
        guard order.state.exists else { throw OrderError.notFound(orderId: orderId) }
        let events = try decide(order.state)
        try transaction.append(
            events, to: order, id: orderId,
            context: EventContext(correlationId: orderId, causationId: metadata.eventId, now: now)
        )
        try SagaEnds.observe(order.state, id: orderId, after: events, at: now, in: transaction)
    }
}
