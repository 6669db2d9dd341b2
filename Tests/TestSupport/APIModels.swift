import Foundation

// The public HTTP shapes of the services, as the contract (section 3) fixes them.
// Fields the contract marks optional, and the projection's fields (which mirror
// order-service's), are optionals so that a missing one shows up as a checked difference
// rather than a decoding failure.

public enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case pending = "PENDING"
    case confirmed = "CONFIRMED"
    case cancelled = "CANCELLED"

    public var isFinal: Bool { self != .pending }
}

public enum PaymentStatus: String, Codable, Sendable, CaseIterable {
    case authorized = "AUTHORIZED"
    case declined = "DECLINED"
    case refunded = "REFUNDED"
}

public enum InventoryStatus: String, Codable, Sendable, CaseIterable {
    case reserved = "RESERVED"
    case failed = "FAILED"
    case released = "RELEASED"
}

/// Cancellation reasons the contract names.
public enum CancellationReason {
    public static let paymentDeclined = "payment_declined"
    public static let outOfStock = "out_of_stock"
    public static let timeout = "timeout"
    public static let customerRequest = "customer_request"
}

public struct OrderLine: Codable, Sendable, Equatable, CustomStringConvertible {
    public var sku: String
    public var quantity: Int
    public var unitPrice: Int

    public init(sku: String, quantity: Int, unitPrice: Int) {
        self.sku = sku
        self.quantity = quantity
        self.unitPrice = unitPrice
    }

    public var description: String { "\(quantity)×\(sku)@\(unitPrice)" }
}

public struct PlaceOrderRequest: Codable, Sendable {
    public var customerId: String
    public var currency: String
    public var items: [OrderLine]

    public init(customerId: String, currency: String = "USD", items: [OrderLine]) {
        self.customerId = customerId
        self.currency = currency
        self.items = items
    }
}

/// `202` answer of `POST /orders` (`200` for an idempotent replay).
public struct PlacedOrderResponse: Decodable, Sendable {
    public var orderId: String
    public var status: OrderStatus
}

/// order-service `GET /orders/{id}`.
public struct Order: Decodable, Sendable, CustomStringConvertible {
    public var orderId: String
    public var customerId: String
    public var status: OrderStatus
    public var items: [OrderLine]
    public var total: Int
    public var currency: String
    public var cancellationReason: String?
    public var version: Int
    public var createdAt: String
    public var updatedAt: String

    public var description: String {
        "order \(orderId) [\(status.rawValue)\(cancellationReason.map { " reason=\($0)" } ?? "")] customer=\(customerId) total=\(total) items=\(items)"
    }
}

/// order-service `GET /orders/{id}/events`.
public struct OrderEvents: Decodable, Sendable {
    public var events: [JSONValue]

    /// The `eventType` of each event, oldest first.
    public var eventTypes: [String] { events.compactMap { $0["eventType"]?.stringValue } }
}

/// payment-service account (`POST /accounts/{id}/deposits`, `GET /accounts/{id}`).
public struct Account: Decodable, Sendable {
    public var customerId: String
    public var balance: Int
    public var version: Int
}

public struct DepositRequest: Codable, Sendable {
    public var amount: Int
    public init(amount: Int) { self.amount = amount }
}

/// payment-service `GET /payments/{orderId}`.
public struct Payment: Decodable, Sendable, CustomStringConvertible {
    public var orderId: String
    public var customerId: String
    public var amount: Int
    public var status: PaymentStatus

    public var description: String { "payment of \(orderId) [\(status.rawValue)] amount=\(amount) customer=\(customerId)" }
}

/// inventory-service product (`POST /products/{sku}/restock`, `GET /products/{sku}`).
public struct Product: Decodable, Sendable, CustomStringConvertible {
    public var sku: String
    public var name: String?
    public var available: Int
    public var reserved: Int
    public var version: Int

    public var description: String { "product \(sku) available=\(available) reserved=\(reserved)" }
}

public struct RestockRequest: Codable, Sendable {
    public var quantity: Int
    public var name: String?
    public init(quantity: Int, name: String? = nil) {
        self.quantity = quantity
        self.name = name
    }
}

// MARK: projection-service

public struct ProjectedPayment: Decodable, Sendable {
    public var status: PaymentStatus
    public var amount: Int?
}

public struct ProjectedInventory: Decodable, Sendable {
    public var status: InventoryStatus
}

/// projection-service `GET /orders/{id}` and the entries of `GET /orders`.
public struct ProjectedOrder: Decodable, Sendable, CustomStringConvertible {
    public var orderId: String
    public var customerId: String?
    public var status: OrderStatus
    public var items: [OrderLine]?
    public var total: Int?
    public var currency: String?
    public var cancellationReason: String?
    public var version: Int?
    public var createdAt: String?
    public var updatedAt: String?
    public var payment: ProjectedPayment?
    public var inventory: ProjectedInventory?

    public var description: String {
        "projected order \(orderId) [\(status.rawValue)\(cancellationReason.map { " reason=\($0)" } ?? "")] total=\(total.map(String.init) ?? "nil") payment=\(payment.map { "\($0.status.rawValue)/\($0.amount.map(String.init) ?? "nil")" } ?? "nil") inventory=\(inventory?.status.rawValue ?? "nil")"
    }
}

/// projection-service `GET /orders?...`.
public struct ProjectedOrdersPage: Decodable, Sendable {
    public var orders: [ProjectedOrder]
    public var nextCursor: String?
}

/// projection-service `GET /customers/{id}`. The orders are kept as raw JSON: the contract
/// fixes only that they are the customer's orders.
public struct ProjectedCustomer: Decodable, Sendable {
    public var customerId: String
    public var balance: Int?
    public var orders: [JSONValue]?

    /// The `orderId`s listed under `orders`.
    public var orderIds: [String] { (orders ?? []).compactMap { $0["orderId"]?.stringValue } }
}

public struct ProjectedProduct: Decodable, Sendable, CustomStringConvertible {
    public var sku: String
    public var name: String?
    public var available: Int
    public var reserved: Int

    public var description: String { "projected product \(sku) available=\(available) reserved=\(reserved)" }
}

/// projection-service `GET /products`.
public struct ProjectedProducts: Decodable, Sendable {
    public var products: [ProjectedProduct]
}

/// The contract's error body `{"error": {"code", "message"}}`.
public struct APIErrorBody: Decodable, Sendable {
    public struct Detail: Decodable, Sendable {
        public var code: String
        public var message: String
    }
    public var error: Detail
}
