import Contracts
import Foundation

/// Place a new order.
public struct PlaceOrder: Sendable, Equatable {
    public var orderId: String
    public var customerId: String
    public var currency: String
    public var items: [OrderItem]

    public init(orderId: String, customerId: String, currency: String, items: [OrderItem]) {
        self.orderId = orderId
        self.customerId = customerId
        self.currency = currency
        self.items = items
    }
}

/// Why the order refuses a command.
public enum OrderError: Error, Equatable, CustomStringConvertible {
    /// A field of the command is invalid; `field` names it as the client sent it.
    case invalid(field: String, reason: String)
    case alreadyPlaced(orderId: String)
    case notFound(orderId: String)

    public var description: String {
        switch self {
        case .invalid(let field, let reason): "\(field) \(reason)"
        case .alreadyPlaced(let id): "order \(id) already exists"
        case .notFound(let id): "order \(id) does not exist"
        }
    }
}

/// Limits that keep every total within integer range and every request reasonable.
public enum OrderLimits {
    public static let maxItems = Limits.maxOrderLines
    public static let maxQuantity = Limits.maxLineQuantity
    public static let maxUnitPrice = Limits.maxUnitPrice
}

extension Order {
    /// Happy path: a valid new order becomes `PENDING`.
    public func place(_ command: PlaceOrder, now: Date) throws(OrderError) -> [OrderEvent] {
        guard !exists else { throw .alreadyPlaced(orderId: orderId) }
        try Self.validateId(command.customerId, field: "customerId")
        guard command.currency.count == 3, command.currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw .invalid(field: "currency", reason: "must be a three-letter upper-case ISO 4217 code")
        }
        guard !command.items.isEmpty else { throw .invalid(field: "items", reason: "must not be empty") }
        guard command.items.count <= OrderLimits.maxItems else {
            throw .invalid(field: "items", reason: "must have at most \(OrderLimits.maxItems) lines")
        }
        var total = 0
        for (index, item) in command.items.enumerated() {
            try Self.validateId(item.sku, field: "items[\(index)].sku")
            guard (1...OrderLimits.maxQuantity).contains(item.quantity) else {
                throw .invalid(field: "items[\(index)].quantity", reason: "must be between 1 and \(OrderLimits.maxQuantity)")
            }
            guard (0...OrderLimits.maxUnitPrice).contains(item.unitPrice) else {
                throw .invalid(field: "items[\(index)].unitPrice", reason: "must be between 0 and \(OrderLimits.maxUnitPrice) minor units")
            }
            // Within the bounds just checked, no line and no total can overflow (at most `Limits.maxOrderTotal`).
            total += item.quantity * item.unitPrice
        }
        return [.placed(OrderPlaced(
            orderId: command.orderId, customerId: command.customerId, currency: command.currency,
            items: command.items, total: total, placedAt: now
        ))]
    }

    /// Happy path: stock is reserved, so a pending order is confirmed.
    /// A cancelled order stays cancelled (the other services compensate); a repeat changes nothing.
    public func confirm(now: Date) throws(OrderError) -> [OrderEvent] {
        switch status {
        case nil: throw .notFound(orderId: orderId)
        case .pending: [.confirmed(OrderConfirmed(orderId: orderId, confirmedAt: now))]
        case .confirmed, .cancelled: []
        }
    }

    /// Compensation: cancel a pending or confirmed order (nothing is shipped here, so a confirmed
    /// order can still be called off: the other services give back what they took);
    /// cancelling a cancelled order changes nothing.
    public func cancel(reason: CancellationReason, now: Date) throws(OrderError) -> [OrderEvent] {
        switch status {
        case nil: throw .notFound(orderId: orderId)
        case .pending, .confirmed: [.cancelled(OrderCancelled(orderId: orderId, customerId: customerId, reason: reason, cancelledAt: now))]
        case .cancelled: []
        }
    }

    static func validateId(_ id: String, field: String) throws(OrderError) {
        if let problem = Identifier.problem(with: id) { throw .invalid(field: field, reason: problem) }
    }
}
