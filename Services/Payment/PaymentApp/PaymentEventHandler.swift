import Contracts
import EventSourcing
import EventStore
import PaymentDomain
import ServiceKit

/// The payment's side of the saga: charge placed orders, refund when stock fails or the order is cancelled.
struct PaymentEventHandler: EventHandler {
    func handle(_ envelope: EventEnvelope, in transaction: StoreTransaction) throws {
        let metadata = envelope.metadata
        switch metadata.eventType {
        // Happy path
        case OrderPlaced.eventType:
            let order = try envelope.payload(as: OrderPlaced.self)
            try decide(orderId: order.orderId, customerId: order.customerId, cause: metadata, in: transaction) { payment, account in
                payment.authorize(order, account: account)
            }
        // Compensation
        case InventoryReservationFailed.eventType:
            let failed = try envelope.payload(as: InventoryReservationFailed.self)
            let payment = try transaction.load(Payment.self, id: failed.orderId).state
            // Stock fails only after a payment, so an unknown payment means this arrived before its
            // cause (the OrderPlaced is still on its way): fail, and the retry will find it.
            // A reservation refused because the order was cancelled needs nothing from here.
            guard failed.reason == .orderCancelled || payment.status != nil else {
                throw PaymentHandlingError.paymentNotYetKnown(orderId: failed.orderId)
            }
            let customerId = payment.customerId
            try decide(orderId: failed.orderId, customerId: customerId, cause: metadata, in: transaction) { payment, account in
                try payment.refund(reason: .outOfStock, account: account)
            }
        case OrderCancelled.eventType:
            let cancelled = try envelope.payload(as: OrderCancelled.self)
            try decide(orderId: cancelled.orderId, customerId: cancelled.customerId, cause: metadata, in: transaction) { payment, account in
                try payment.cancel(cancelled, account: account)
            }
        default:
            throw EnvelopeError.notAReaction(eventType: metadata.eventType)
        }
    }

    /// Loads the order's payment and the customer's account, decides, and appends to both.
    private func decide(
        orderId: String, customerId: String, cause: EventMetadata, in transaction: StoreTransaction,
        _ decision: (Payment, Account) throws -> PaymentDecision
    ) throws {
        let payment = try transaction.load(Payment.self, id: orderId)
        let account = try transaction.load(Account.self, id: customerId)
        let outcome = try decision(payment.state, account.state)
        let context = EventContext(correlationId: orderId, causationId: cause.eventId)
        try transaction.append(outcome.account, to: account, id: customerId, context: context)
        try transaction.append(outcome.payment, to: payment, id: orderId, context: context)
    }
}

/// Why payment-service cannot handle an event yet.
enum PaymentHandlingError: Error, CustomStringConvertible {
    case paymentNotYetKnown(orderId: String)

    var description: String {
        switch self {
        case .paymentNotYetKnown(let orderId): "no payment for order \(orderId) yet: its OrderPlaced has not been handled"
        }
    }
}
