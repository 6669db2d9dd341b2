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

/// Why units were added to a product.
public enum RestockReason: String, Codable, Sendable, Equatable, CaseIterable {
    /// Goods received from a supplier; every restock before schema version 2 was one.
    case delivery
    /// Units a customer sent back, fit to sell again.
    case customerReturn = "customer_return"
}

/// Units added to a product; `available` and `reserved` are the levels after it.
///
/// Schema version 2 added `reason`; version 1 payloads are upcast with `reason: "delivery"`
/// (see ``ProductRestocked/upcasters``).
public struct ProductRestocked: EventPayload, Equatable {
    public static let eventType = "ProductRestocked"
    public static let aggregateType = "Product"
    public static let schemaVersion = 2
    public var sku: String
    public var name: String
    public var quantity: Int
    public var available: Int
    public var reserved: Int
    public var reason: RestockReason

    public init(sku: String, name: String, quantity: Int, available: Int, reserved: Int, reason: RestockReason = .delivery) {
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.available = available
        self.reserved = reserved
        self.reason = reason
    }

    /// The history of this payload's shape: version 1 had no `reason` (every restock was a delivery).
    public static let upcasters: [Upcaster] = [
        Upcaster(eventType: eventType, fromVersion: 1) { payload in
            if payload["reason"] == nil { payload["reason"] = .string(RestockReason.delivery.rawValue) }
        },
    ]
}

/// An operator's correction of a product's stock after a count: `quantity` units were added
/// (negative: removed) to make `available` match the shelf; `available` and `reserved` are the
/// levels after it. Nothing earlier is edited: the correction is a new fact.
public struct ProductStockCorrected: EventPayload, Equatable {
    public static let eventType = "ProductStockCorrected"
    public static let aggregateType = "Product"
    public var sku: String
    /// The signed change of `available` (never 0).
    public var quantity: Int
    /// Why, in the operator's words.
    public var reason: String
    public var available: Int
    public var reserved: Int

    public init(sku: String, quantity: Int, reason: String, available: Int, reserved: Int) {
        self.sku = sku
        self.quantity = quantity
        self.reason = reason
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
