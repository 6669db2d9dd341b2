import EventSourcing

/// Every line of the order is held for it.
public struct InventoryReserved: EventPayload, Equatable {
    public static let eventType = "InventoryReserved"
    public static let aggregateType = "Inventory"
    public var orderId: String
    public var items: [StockLine]

    public init(orderId: String, items: [StockLine]) {
        self.orderId = orderId
        self.items = items
    }
}

/// Why a reservation failed.
public enum ReservationFailure: String, Codable, Sendable, Equatable {
    case unknownSku = "unknown_sku"
    case insufficientStock = "insufficient_stock"
    case orderCancelled = "order_cancelled"
}

/// Nothing was reserved: a line is unknown or short of stock.
public struct InventoryReservationFailed: EventPayload, Equatable {
    public static let eventType = "InventoryReservationFailed"
    public static let aggregateType = "Inventory"
    public var orderId: String
    public var items: [StockLine]
    public var reason: ReservationFailure
    /// The SKUs that could not be reserved.
    public var skus: [String]

    public init(orderId: String, items: [StockLine], reason: ReservationFailure, skus: [String]) {
        self.orderId = orderId
        self.items = items
        self.reason = reason
        self.skus = skus
    }
}

/// What was held for the order went back to the shelf.
public struct InventoryReleased: EventPayload, Equatable {
    public static let eventType = "InventoryReleased"
    public static let aggregateType = "Inventory"
    public var orderId: String
    public var items: [StockLine]

    public init(orderId: String, items: [StockLine]) {
        self.orderId = orderId
        self.items = items
    }
}

/// Units added to a product; `available` and `reserved` are the levels after it.
public struct ProductRestocked: EventPayload, Equatable {
    public static let eventType = "ProductRestocked"
    public static let aggregateType = "Product"
    public var sku: String
    public var name: String
    public var quantity: Int
    public var available: Int
    public var reserved: Int

    public init(sku: String, name: String, quantity: Int, available: Int, reserved: Int) {
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.available = available
        self.reserved = reserved
    }
}

/// Units of a product held for an order; `available` and `reserved` are the levels after it.
public struct ProductReserved: EventPayload, Equatable {
    public static let eventType = "ProductReserved"
    public static let aggregateType = "Product"
    public var sku: String
    public var orderId: String
    public var quantity: Int
    public var available: Int
    public var reserved: Int

    public init(sku: String, orderId: String, quantity: Int, available: Int, reserved: Int) {
        self.sku = sku
        self.orderId = orderId
        self.quantity = quantity
        self.available = available
        self.reserved = reserved
    }
}

/// Units held for an order returned to the shelf; `available` and `reserved` are the levels after it.
public struct ProductReleased: EventPayload, Equatable {
    public static let eventType = "ProductReleased"
    public static let aggregateType = "Product"
    public var sku: String
    public var orderId: String
    public var quantity: Int
    public var available: Int
    public var reserved: Int

    public init(sku: String, orderId: String, quantity: Int, available: Int, reserved: Int) {
        self.sku = sku
        self.orderId = orderId
        self.quantity = quantity
        self.available = available
        self.reserved = reserved
    }
}
