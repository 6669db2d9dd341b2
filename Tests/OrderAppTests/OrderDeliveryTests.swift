import AppTestSupport
import Contracts
import EventStore
import Foundation
import Messaging
@testable import OrderApp
import Delivery
import ServiceKit
import Testing

/// A delivery through the consumer's path on the real store: the inbox makes a second delivery
/// a duplicate, and what the order does not react to is parked, never acked as handled.
@Suite struct OrderDeliveryTests {
    private func reserved(_ orderId: String, eventId: String = UUID().uuidString.lowercased()) throws -> Data {
        try Envelopes.body(InventoryReserved(orderId: orderId, items: [StockLine(sku: "SKU-1", quantity: 2)]),
                           aggregateId: orderId, correlationId: orderId, eventId: eventId)
    }

    @Test func aSecondDeliveryOfTheSameEventIsADuplicateAndChangesNothing() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()
            let body = try reserved(orderId)

            let first = try await service.deliver(body, from: "inventory")
            let second = try await service.deliver(body, from: "inventory")

            #expect(first.isHandled)
            #expect(second.isDuplicate)
            #expect(try await service.outbox().map(\.metadata.eventType) == ["OrderPlaced", "OrderConfirmed"])
        }
    }

    @Test func anEventTypeTheOrderDoesNotReactToIsParkedAsMalformedAndNotRecordedAsHandled() async throws {
        try await OrderService.run { service in
            let eventId = UUID().uuidString.lowercased()
            let body = try Envelopes.body(InventoryReleased(orderId: "o-1", items: [StockLine(sku: "S", quantity: 1)]),
                                          aggregateId: "o-1", correlationId: "o-1", eventId: eventId)

            let outcome = try await service.deliver(body, from: "inventory")

            #expect(outcome.parksAtOnce, "\(outcome)")
            #expect(!(try await service.hasHandled(eventId)))
        }
    }

    @Test(arguments: ["not json", "{}", #"{"eventId": "e-1"}"#])
    func aBodyThatIsNotAnEnvelopeIsParkedAtOnce(_ body: String) async throws {
        try await OrderService.run { service in
            let outcome = try await service.deliver(Data(body.utf8), from: "inventory")

            #expect(outcome.parksAtOnce, "\(outcome)")
        }
    }

    @Test func aFailureIsRetriedLaterAndRecordsNothingSoTheRetryIsHandled() async throws {
        try await OrderService.run { service in
            let body = try reserved("o-not-yet-placed-here")

            let outcome = try await service.deliver(body, from: "inventory")

            #expect(outcome.isRetried, "\(outcome)")
            let envelope = try EventEnvelope(body: body)
            #expect(!(try await service.hasHandled(envelope.metadata.eventId)))
        }
    }
}

extension OrderService {
    /// `body` delivered from `exchange` and handled as the consumer does, in one transaction.
    func deliver(_ body: Data, from exchange: String) async throws -> DeliveryOutcome {
        let delivery = Deliveries.make(body: body, exchange: exchange)
        return DeliveryOutcome(try await store.write { try OrderReactions().apply(body: delivery.body, in: $0) })
    }
}
