import Contracts
import Foundation
@testable import ProjectionApp

/// The events of whole sagas as the three services' feeds hold them.
extension Feeds {
    static let lines = [OrderItem(sku: "SKU-1", quantity: 2, unitPrice: 1250)]
    static let stockLines = [StockLine(sku: "SKU-1", quantity: 2)]

    mutating func placed(_ orderId: String, customerId: String = "c-1", items: [OrderItem] = lines) throws -> PositionedFeedEvent {
        let total = items.reduce(0) { $0 + $1.quantity * $1.unitPrice }
        return try next(OrderPlaced(orderId: orderId, customerId: customerId, currency: "USD", items: items, total: total,
                                    placedAt: Date(timeIntervalSince1970: 1_800_000_000)), aggregateId: orderId)
    }

    mutating func authorized(_ orderId: String, customerId: String = "c-1", amount: Int = 2500, causedBy cause: PositionedFeedEvent? = nil) throws -> PositionedFeedEvent {
        try next(PaymentAuthorized(orderId: orderId, customerId: customerId, amount: amount, items: Self.stockLines),
                 aggregateId: orderId, causationId: cause?.eventId)
    }

    mutating func reserved(_ orderId: String, causedBy cause: PositionedFeedEvent? = nil) throws -> PositionedFeedEvent {
        try next(InventoryReserved(orderId: orderId, items: Self.stockLines), aggregateId: orderId, causationId: cause?.eventId)
    }

    mutating func confirmed(_ orderId: String, version: Int = 2, causedBy cause: PositionedFeedEvent? = nil) throws -> PositionedFeedEvent {
        try next(OrderConfirmed(orderId: orderId, confirmedAt: Date(timeIntervalSince1970: 1_800_000_000)),
                 aggregateId: orderId, version: version, causationId: cause?.eventId)
    }

    mutating func cancelled(_ orderId: String, reason: CancellationReason, version: Int = 2, causedBy cause: PositionedFeedEvent? = nil) throws -> PositionedFeedEvent {
        try next(OrderCancelled(orderId: orderId, customerId: "c-1", reason: reason, cancelledAt: Date(timeIntervalSince1970: 1_800_000_000)),
                 aggregateId: orderId, version: version, causationId: cause?.eventId)
    }

    mutating func deposited(_ customerId: String, amount: Int, balance: Int, version: Int) throws -> PositionedFeedEvent {
        try next(AccountDeposited(customerId: customerId, amount: amount, balance: balance), aggregateId: customerId, version: version)
    }

    mutating func restocked(_ sku: String, name: String, quantity: Int, available: Int, reserved: Int = 0, version: Int) throws -> PositionedFeedEvent {
        try next(ProductRestocked(sku: sku, name: name, quantity: quantity, available: available, reserved: reserved), aggregateId: sku, version: version)
    }

    /// A whole confirmed saga: placed, authorized, reserved, confirmed, each caused by the one before.
    mutating func confirmedSaga(_ orderId: String, customerId: String = "c-1") throws -> [PositionedFeedEvent] {
        let placed = try placed(orderId, customerId: customerId)
        let authorized = try authorized(orderId, customerId: customerId, causedBy: placed)
        let reserved = try reserved(orderId, causedBy: authorized)
        return [placed, authorized, reserved, try confirmed(orderId, causedBy: reserved)]
    }
}

extension PositionedFeedEvent {
    var eventId: String { event.envelope.metadata.eventId }
    var position: Int64 { event.position }
}
