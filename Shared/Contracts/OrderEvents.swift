import EventSourcing
import Foundation

/// One line of an order: what, how many, at what unit price (minor units).
public struct OrderItem: Codable, Sendable, Equatable {
    public var sku: String
    public var quantity: Int
    public var unitPrice: Int

    public init(sku: String, quantity: Int, unitPrice: Int) {
        self.sku = sku
        self.quantity = quantity
        self.unitPrice = unitPrice
    }
}

/// A quantity of one SKU, as the payment and inventory events carry it.
public struct StockLine: Codable, Sendable, Equatable {
    public var sku: String
    public var quantity: Int

    public init(sku: String, quantity: Int) {
        self.sku = sku
        self.quantity = quantity
    }
}

public struct OrderPlaced: EventPayload, Equatable {
    public static let eventType = "OrderPlaced"
    public static let aggregateType = "Order"
    public var orderId: String
    public var customerId: String
    public var currency: String
    public var items: [OrderItem]
    public var total: Int
    public var placedAt: Date

    public init(orderId: String, customerId: String, currency: String, items: [OrderItem], total: Int, placedAt: Date) {
        self.orderId = orderId
        self.customerId = customerId
        self.currency = currency
        self.items = items
        self.total = total
        self.placedAt = placedAt
    }

    /// The order's lines without prices.
    public var stockLines: [StockLine] { items.map { StockLine(sku: $0.sku, quantity: $0.quantity) } }
}

public struct OrderConfirmed: EventPayload, Equatable {
    public static let eventType = "OrderConfirmed"
    public static let aggregateType = "Order"
    public var orderId: String
    public var confirmedAt: Date

    public init(orderId: String, confirmedAt: Date) {
        self.orderId = orderId
        self.confirmedAt = confirmedAt
    }
}

/// Why an order was cancelled; the raw values are the contract's reasons.
public enum CancellationReason: String, Codable, Sendable, Equatable {
    case paymentDeclined = "payment_declined"
    case outOfStock = "out_of_stock"
    case customerRequest = "customer_request"
    case timeout = "timeout"
}

public struct OrderCancelled: EventPayload, Equatable {
    public static let eventType = "OrderCancelled"
    public static let aggregateType = "Order"
    public var orderId: String
    public var customerId: String
    public var reason: CancellationReason
    public var cancelledAt: Date

    public init(orderId: String, customerId: String, reason: CancellationReason, cancelledAt: Date) {
        self.orderId = orderId
        self.customerId = customerId
        self.reason = reason
        self.cancelledAt = cancelledAt
    }
}
