import Contracts
import EventSourcing

/// Everything that can happen to the stock reservation of one order.
public enum ReservationEvent: EventFamily, Equatable {
    case reserved(InventoryReserved)
    case failed(InventoryReservationFailed)
    case released(InventoryReleased)

    public static let payloadTypes: [any EventPayload.Type] = [
        InventoryReserved.self, InventoryReservationFailed.self, InventoryReleased.self,
    ]

    public init?(payload: any EventPayload) {
        switch payload {
        case let event as InventoryReserved: self = .reserved(event)
        case let event as InventoryReservationFailed: self = .failed(event)
        case let event as InventoryReleased: self = .released(event)
        default: return nil
        }
    }

    public var payload: any EventPayload {
        switch self {
        case .reserved(let event): event
        case .failed(let event): event
        case .released(let event): event
        }
    }
}
