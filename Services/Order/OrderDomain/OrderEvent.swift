import Contracts
import EventSourcing

/// Everything that can happen to an order.
public enum OrderEvent: EventFamily, Equatable {
    case placed(OrderPlaced)
    case confirmed(OrderConfirmed)
    case cancelled(OrderCancelled)

    public static let payloadTypes: [any EventPayload.Type] = [OrderPlaced.self, OrderConfirmed.self, OrderCancelled.self]

    public init?(payload: any EventPayload) {
        switch payload {
        case let event as OrderPlaced: self = .placed(event)
        case let event as OrderConfirmed: self = .confirmed(event)
        case let event as OrderCancelled: self = .cancelled(event)
        default: return nil
        }
    }

    public var payload: any EventPayload {
        switch self {
        case .placed(let event): event
        case .confirmed(let event): event
        case .cancelled(let event): event
        }
    }
}
