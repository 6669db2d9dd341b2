import Contracts
import EventSourcing

/// Everything that can happen to the payment of one order.
public enum PaymentEvent: EventFamily, Equatable {
    case authorized(PaymentAuthorized)
    case declined(PaymentDeclined)
    case refunded(PaymentRefunded)

    public static let payloadTypes: [any EventPayload.Type] = [PaymentAuthorized.self, PaymentDeclined.self, PaymentRefunded.self]

    public init?(payload: any EventPayload) {
        switch payload {
        case let event as PaymentAuthorized: self = .authorized(event)
        case let event as PaymentDeclined: self = .declined(event)
        case let event as PaymentRefunded: self = .refunded(event)
        default: return nil
        }
    }

    public var payload: any EventPayload {
        switch self {
        case .authorized(let event): event
        case .declined(let event): event
        case .refunded(let event): event
        }
    }
}
