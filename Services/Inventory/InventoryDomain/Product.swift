import Contracts
import EventSourcing
import Foundation

/// A product's stock: units on the shelf (`available`) and units held for orders (`reserved`).
/// It exists from its first restock; neither level is ever negative.
///
/// Units come in by restocks and leave or come back by an operator's stock corrections:
/// what was "stocked" is the sum of both (contract invariant I5).
public struct Product: SnapshottableAggregate, Equatable {
    /// Raise when the stored properties or `evolve` change: older snapshots are then ignored.
    public static let snapshotSchemaVersion = 1
    public static let aggregateType = "Product"
    public static let initial = Product()

    public private(set) var sku = ""
    public private(set) var name = ""
    public private(set) var available = 0
    public private(set) var reserved = 0
    public private(set) var exists = false

    public func evolve(with event: ProductEvent) -> Product {
        var product = self
        switch event {
        case .restocked(let restocked):
            product.exists = true
            product.sku = restocked.sku
            product.name = restocked.name
            product.available = restocked.available
            product.reserved = restocked.reserved
        case .reserved(let reserved):
            product.available = reserved.available
            product.reserved = reserved.reserved
        case .released(let released):
            product.available = released.available
            product.reserved = released.reserved
        case .stockCorrected(let corrected):
            product.available = corrected.available
            product.reserved = corrected.reserved
        }
        return product
    }
}

/// Why a product refuses a command.
public enum ProductError: Error, Equatable, CustomStringConvertible {
    case invalid(field: String, reason: String)
    case notFound(sku: String)
    case insufficientStock(sku: String, available: Int, requested: Int)

    public var description: String {
        switch self {
        case .invalid(let field, let reason): "\(field) \(reason)"
        case .notFound(let sku): "product \(sku) does not exist"
        case .insufficientStock(let sku, let available, let requested): "\(sku) has \(available) available, \(requested) requested"
        }
    }
}

/// Bounds that keep every level within integer range.
public enum ProductLimits {
    public static let maxRestock = Limits.maxRestock
    public static let maxLevel = Limits.maxStockLevel
    public static let maxNameLength = Limits.maxNameLength
    public static let maxReasonLength = Limits.maxReasonLength
}

extension Product {
    /// Adds units to the shelf, creating the product on its first restock.
    /// The name is kept unless a new one is given; a new product without a name is named after its SKU.
    public func restock(
        sku: String, quantity: Int, name: String?, reason: RestockReason = .delivery
    ) throws(ProductError) -> [ProductEvent] {
        if let problem = Identifier.problem(with: sku) { throw .invalid(field: "sku", reason: problem) }
        guard (1...ProductLimits.maxRestock).contains(quantity) else {
            throw .invalid(field: "quantity", reason: "must be an integer between 1 and \(ProductLimits.maxRestock)")
        }
        if let name, name.isEmpty || name.count > ProductLimits.maxNameLength {
            throw .invalid(field: "name", reason: "must be 1 to \(ProductLimits.maxNameLength) characters")
        }
        guard let newAvailable = available.adding(quantity, upTo: ProductLimits.maxLevel) else {
            throw .invalid(field: "quantity", reason: "would take the stock above \(ProductLimits.maxLevel)")
        }
        let newName = name ?? (exists ? self.name : sku)
        return [.restocked(ProductRestocked(
            sku: sku, name: newName, quantity: quantity, available: newAvailable, reserved: reserved, reason: reason
        ))]
    }

    /// An operator's correction after counting the shelf: `available` becomes `counted`.
    ///
    /// The difference is recorded as a new event; a count that matches changes nothing.
    /// Units held for orders are not touched (they are not on the shelf to count).
    public func correctStock(counted: Int, reason: String) throws(ProductError) -> [ProductEvent] {
        guard exists else { throw .notFound(sku: sku) }
        guard (0...ProductLimits.maxLevel).contains(counted) else {
            throw .invalid(field: "available", reason: "must be an integer between 0 and \(ProductLimits.maxLevel)")
        }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= ProductLimits.maxReasonLength else {
            throw .invalid(field: "reason", reason: "must be 1 to \(ProductLimits.maxReasonLength) characters")
        }
        guard counted != available else { return [] }
        return [.stockCorrected(ProductStockCorrected(
            sku: sku, quantity: counted - available, reason: reason, available: counted, reserved: reserved
        ))]
    }

    /// Holds units for an order.
    public func reserve(orderId: String, quantity: Int) throws(ProductError) -> [ProductEvent] {
        guard exists else { throw .notFound(sku: sku) }
        guard quantity > 0 else { throw .invalid(field: "quantity", reason: "must be positive") }
        guard available >= quantity else { throw .insufficientStock(sku: sku, available: available, requested: quantity) }
        guard let newReserved = reserved.adding(quantity) else {
            throw .invalid(field: "quantity", reason: "would take the units reserved beyond any integer")
        }
        return [.reserved(ProductReserved(
            sku: sku, orderId: orderId, quantity: quantity, available: available - quantity, reserved: newReserved
        ))]
    }

    /// Puts units held for an order back on the shelf.
    public func release(orderId: String, quantity: Int) throws(ProductError) -> [ProductEvent] {
        guard exists else { throw .notFound(sku: sku) }
        guard quantity > 0, quantity <= reserved else {
            throw .invalid(field: "quantity", reason: "must be between 1 and the \(reserved) units reserved")
        }
        guard let newAvailable = available.adding(quantity) else {
            throw .invalid(field: "quantity", reason: "would take the units available beyond any integer")
        }
        return [.released(ProductReleased(
            sku: sku, orderId: orderId, quantity: quantity, available: newAvailable, reserved: reserved - quantity
        ))]
    }
}
