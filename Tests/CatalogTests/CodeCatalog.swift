import Contracts
import EventSourcing
import InventoryDomain
import OrderDomain
import PaymentDomain
import Delivery
import ServiceKit
import TestSupport

/// The contract's services (TestSupport has a `ServiceName` of its own).
typealias ContractService = Contracts.ServiceName

/// What the code knows of its events and topology, as the catalog's checker compares it with
/// docs/events. A new event family (a new kind of aggregate) is added to ``families``.
enum CodeCatalog {
    /// Every event family of the domains: together, every event type the code stores and publishes.
    static let families: [(aggregateType: String, types: [any EventPayload.Type])] = [
        ("Order", OrderEvent.payloadTypes),
        ("Payment", PaymentEvent.payloadTypes),
        ("Account", AccountEvent.payloadTypes),
        ("Inventory", ReservationEvent.payloadTypes),
        ("Product", ProductEvent.payloadTypes),
    ]

    static var payloadTypes: [any EventPayload.Type] { families.flatMap { $0.types } }

    /// Every event type and schema version the code reads: 1 through each type's current version.
    static var versions: [(type: any EventPayload.Type, version: Int)] {
        payloadTypes.flatMap { type in (1...type.schemaVersion).map { (type, $0) } }
    }

    /// The payload type of `eventType`, if the code has one.
    static func payloadType(_ eventType: String) -> (any EventPayload.Type)? {
        payloadTypes.first { $0.eventType == eventType }
    }

    /// The exchange `type` is published to: its owning service's.
    static func exchange(of type: any EventPayload.Type) -> String {
        ContractService(owning: type.aggregateType)?.exchange ?? "(no owner for \(type.aggregateType))"
    }

    /// The delay the checker renders the delay queue's name with.
    static let sampleDelay = 200

    /// The code catalog file of `Tests/Catalog/validate documents --code-catalog`.
    static var json: JSONValue {
        let events: [JSONValue] = payloadTypes.map { type in
            .object([
                "eventType": .string(type.eventType),
                "aggregateType": .string(type.aggregateType),
                "schemaVersion": .int(type.schemaVersion),
                "routingKey": .string(RoutingKey.of(eventType: type.eventType, aggregateType: type.aggregateType)),
                "exchange": .string(exchange(of: type)),
            ])
        }
        let queues: [JSONValue] = ContractService.allCases.map { service in
            let policy = RetryPolicy(service: service, delays: [sampleDelay], maxAttempts: 5)
            return .object([
                "name": .string(service.queue),
                "bindings": .array(service.bindings.map { .object(["exchange": .string($0.exchange), "routingKey": .string($0.routingKey)]) }),
                "deadLetterQueue": .string(service.deadLetterQueue),
                "retryQueue": .string(policy.delayQueue(milliseconds: sampleDelay)),
                "retryDelay": .int(sampleDelay),
            ])
        }
        return .object([
            "events": .array(events),
            "exchanges": .array(MessageTopology.exchanges.map(JSONValue.string)),
            "queues": .array(queues),
        ])
    }
}
