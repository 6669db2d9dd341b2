import Contracts
import EventSourcing

/// Everything that can happen to a product's stock.
public enum ProductEvent: EventFamily, Equatable {
    case restocked(ProductRestocked)
    case reserved(ProductReserved)
    case released(ProductReleased)
    case stockCorrected(ProductStockCorrected)

    public static let payloadTypes: [any EventPayload.Type] = [
        ProductRestocked.self, ProductReserved.self, ProductReleased.self, ProductStockCorrected.self,
    ]

    public init?(payload: any EventPayload) {
        switch payload {
        case let event as ProductRestocked: self = .restocked(event)
        case let event as ProductReserved: self = .reserved(event)
        case let event as ProductReleased: self = .released(event)
        case let event as ProductStockCorrected: self = .stockCorrected(event)
        default: return nil
        }
    }

    public var payload: any EventPayload {
        switch self {
        case .restocked(let event): event
        case .reserved(let event): event
        case .released(let event): event
        case .stockCorrected(let event): event
        }
    }
}
