import Contracts
import EventSourcing
import Foundation
import OrderDomain

/// An order as `GET /orders/{id}` returns it.
struct OrderRepresentation: Codable, Sendable {
    var orderId: String
    var customerId: String
    var status: OrderStatus
    var items: [OrderItem]
    var total: Int
    var currency: String
    var cancellationReason: CancellationReason?
    var version: Int
    var createdAt: Date
    var updatedAt: Date

    init(_ order: Versioned<Order>) {
        let state = order.state
        orderId = state.orderId
        customerId = state.customerId
        status = state.status ?? .pending
        items = state.items
        total = state.total
        currency = state.currency
        cancellationReason = state.cancellationReason
        version = order.version
        createdAt = state.createdAt
        updatedAt = state.updatedAt
    }
}

/// The answer to `POST /orders`.
struct PlacedOrder: Codable, Sendable {
    var orderId: String
    var status: OrderStatus
}
