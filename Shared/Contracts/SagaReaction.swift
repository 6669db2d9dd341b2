import EventSourcing

/// One kind of event a saga participant reacts to. Each participant's reactions are one
/// `CaseIterable` enum (``OrderReaction``, ``PaymentReaction``, ``InventoryReaction``): the
/// single declaration from which both its queue's bindings (``ServiceName/bindings``) and its
/// dispatch (an exhaustive `switch` in the service's reactions, no `default:`) are derived.
/// An event the enum does not name is not a reaction: it is parked, never acked as handled.
public protocol SagaReaction: CaseIterable, Sendable, Hashable {
    /// The event this reaction handles.
    var event: any EventPayload.Type { get }
}

extension SagaReaction {
    /// The reaction to events of `eventType`, or `nil` when the service does not react to it.
    public init?(eventType: String) {
        guard let reaction = Self.allCases.first(where: { $0.event.eventType == eventType }) else { return nil }
        self = reaction
    }

    /// The exchange this reaction's event is published to and its routing key.
    public var binding: (exchange: String, routingKey: String) {
        let event = event
        guard let exchange = ServiceName(owning: event.aggregateType)?.exchange else {
            preconditionFailure("\(event.eventType) is published by no service")
        }
        return (exchange, RoutingKey.of(eventType: event.eventType, aggregateType: event.aggregateType))
    }

    /// The bindings of the participant's queue: one per reaction, in declaration order.
    public static var bindings: [(exchange: String, routingKey: String)] { allCases.map(\.binding) }
}

/// What order-service reacts to.
public enum OrderReaction: SagaReaction {
    // Happy path
    case inventoryReserved
    // Compensation
    case paymentDeclined
    case paymentRefunded

    public var event: any EventPayload.Type {
        switch self {
        case .inventoryReserved: InventoryReserved.self
        case .paymentDeclined: PaymentDeclined.self
        case .paymentRefunded: PaymentRefunded.self
        }
    }
}

/// What payment-service reacts to.
public enum PaymentReaction: SagaReaction {
    // Happy path
    case orderPlaced
    // Compensation
    case orderCancelled
    case inventoryReservationFailed

    public var event: any EventPayload.Type {
        switch self {
        case .orderPlaced: OrderPlaced.self
        case .orderCancelled: OrderCancelled.self
        case .inventoryReservationFailed: InventoryReservationFailed.self
        }
    }
}

/// What inventory-service reacts to.
public enum InventoryReaction: SagaReaction {
    // Happy path
    case paymentAuthorized
    // Compensation
    case orderCancelled

    public var event: any EventPayload.Type {
        switch self {
        case .paymentAuthorized: PaymentAuthorized.self
        case .orderCancelled: OrderCancelled.self
        }
    }
}
