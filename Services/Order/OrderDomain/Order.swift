import Contracts
import EventSourcing
import Foundation

/// Where an order is in its saga.
public enum OrderStatus: String, Codable, Sendable, Equatable {
    case pending = "PENDING"
    case confirmed = "CONFIRMED"
    case cancelled = "CANCELLED"
}

/// The Order aggregate: its state is the fold of its ``OrderEvent``s.
public struct Order: SnapshottableAggregate, Equatable {
    /// Raise when the stored properties or `evolve` change: older snapshots are then ignored.
    public static let snapshotSchemaVersion = 1
    public static let aggregateType = "Order"
    public static let initial = Order()

    /// `nil` until the order is placed.
    public private(set) var status: OrderStatus?
    public private(set) var orderId = ""
    public private(set) var customerId = ""
    public private(set) var currency = ""
    public private(set) var items: [OrderItem] = []
    public private(set) var total = 0
    public private(set) var cancellationReason: CancellationReason?
    public private(set) var createdAt = Date(timeIntervalSince1970: 0)
    public private(set) var updatedAt = Date(timeIntervalSince1970: 0)

    public var exists: Bool { status != nil }

    public func evolve(with event: OrderEvent) -> Order {
        var order = self
        switch event {
        case .placed(let placed):
            order.status = .pending
            order.orderId = placed.orderId
            order.customerId = placed.customerId
            order.currency = placed.currency
            order.items = placed.items
            order.total = placed.total
            order.createdAt = placed.placedAt
            order.updatedAt = placed.placedAt
        case .confirmed(let confirmed):
            order.status = .confirmed
            order.updatedAt = confirmed.confirmedAt
        case .cancelled(let cancelled):
            order.status = .cancelled
            order.cancellationReason = cancelled.reason
            order.updatedAt = cancelled.cancelledAt
        }
        return order
    }
}
