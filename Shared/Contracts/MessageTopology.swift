/// The services of the system, their exchanges and what their queues bind (contract section 4.1).
public enum ServiceName: String, CaseIterable, Sendable {
    case order = "order-service"
    case payment = "payment-service"
    case inventory = "inventory-service"
    case projection = "projection-service"

    /// The exchange this service publishes to; `nil` for the projection, which publishes nothing.
    public var exchange: String? {
        switch self {
        case .order: "orders"
        case .payment: "payments"
        case .inventory: "inventory"
        case .projection: nil
        }
    }

    /// The default HTTP port.
    public var defaultPort: Int {
        switch self {
        case .order: 8081
        case .payment: 8082
        case .inventory: 8083
        case .projection: 8084
        }
    }

    /// The service's own durable work queue.
    public var queue: String { rawValue }

    /// Where messages that keep failing are parked.
    public var deadLetterQueue: String { rawValue + ".dead-letters" }

    /// The (exchange, routing key) pairs this service's queue is bound to: for a saga
    /// participant, derived from what it reacts to (``SagaReaction``).
    public var bindings: [(exchange: String, routingKey: String)] {
        switch self {
        case .payment: PaymentReaction.bindings
        case .inventory: InventoryReaction.bindings
        case .order: OrderReaction.bindings
        case .projection:
            MessageTopology.exchanges.map { ($0, "#") }
        }
    }
}

/// The broker topology shared by all services.
public enum MessageTopology {
    /// The durable topic exchanges.
    public static let exchanges = ["orders", "payments", "inventory"]

    /// The saga participants: every service declares their queues so that no saga event is lost
    /// to a queue that does not exist yet, whatever order the services start in. The projection
    /// declares its own queue, and catches up from the event feeds for anything before it.
    public static let sagaParticipants: [ServiceName] = [.order, .payment, .inventory]
}

extension ServiceName {
    /// The service whose store holds streams of `aggregateType`.
    public init?(owning aggregateType: String) {
        switch aggregateType {
        case "Order": self = .order
        case "Payment", "Account": self = .payment
        case "Inventory", "Product": self = .inventory
        default: return nil
        }
    }
}
