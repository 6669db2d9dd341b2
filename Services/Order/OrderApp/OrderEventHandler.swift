import Contracts
import EventStore
import Foundation
import OrderDomain
import ServiceKit

/// The order's side of the saga: confirm when stock is reserved, cancel when payment is declined or refunded.
struct OrderEventHandler: EventHandler {
    func handle(_ envelope: EventEnvelope, in transaction: StoreTransaction) throws {
        let metadata = envelope.metadata
        // One clock reading per decision: the event's time and the order's `updatedAt` are the same instant.
        let now = Date()
        let orderId: String
        let decide: (Order) throws -> [OrderEvent]
        switch metadata.eventType {
        // Happy path
        case InventoryReserved.eventType:
            orderId = try envelope.payload(as: InventoryReserved.self).orderId
            decide = { try $0.confirm(now: now) }
        // Compensation
        case PaymentDeclined.eventType:
            orderId = try envelope.payload(as: PaymentDeclined.self).orderId
            decide = { try $0.cancel(reason: .paymentDeclined, now: now) }
        case PaymentRefunded.eventType:
            let refunded = try envelope.payload(as: PaymentRefunded.self)
            orderId = refunded.orderId
            decide = { try $0.cancel(reason: refunded.reason, now: now) }
        default:
            throw EnvelopeError.notAReaction(eventType: metadata.eventType)
        }
        let order = try transaction.load(Order.self, id: orderId)
        guard order.state.exists else { throw OrderError.notFound(orderId: orderId) }
        let events = try decide(order.state)
        try transaction.append(
            events, to: order, id: orderId,
            context: EventContext(correlationId: orderId, causationId: metadata.eventId, now: now)
        )
        SagaEnds.observe(order.state, after: events, at: now, in: transaction)
    }
}
