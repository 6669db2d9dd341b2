import AppTestSupport
import Contracts
import EventStore
import Foundation
import HummingbirdTesting
@testable import InventoryApp
import Testing

/// The inventory's side of the saga on the service's real store: given products, when a paid or
/// cancelled order arrives, then the reservation's and products' events and the stock levels.
@Suite struct InventoryReactionTests {
    private func outboxTypes(_ service: InventoryService) async throws -> [String] {
        try await service.outbox().map(\.metadata.eventType)
    }

    private func lastPayload<Payload: Decodable>(_ type: Payload.Type, _ service: InventoryService) async throws -> Payload {
        try JSONCoding.decoder().decode(type, from: try #require(try await service.outbox().last).payloadJSON)
    }

    // MARK: Happy path

    @Test func aPaidOrderIsReservedLineByLineAndInventoryReservedIsPublished() async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 10)
            try await service.restock("B", 5)
            let paid = try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 3), StockLine(sku: "B", quantity: 5)])

            try await service.react(to: paid)

            #expect(try await service.stock("A")! == (7, 3))
            #expect(try await service.stock("B")! == (0, 5))
            #expect(try await outboxTypes(service).suffix(3) == ["ProductReserved", "ProductReserved", "InventoryReserved"])
            let reserved = try #require(try await service.outbox().last)
            #expect(reserved.metadata.routingKey == "inventory.reserved")
            #expect(reserved.metadata.causationId == paid.metadata.eventId)
            #expect(reserved.metadata.correlationId == "o-1")
            #expect(try await lastPayload(InventoryReserved.self, service).items.map(\.sku) == ["A", "B"])
        }
    }

    @Test func aSkuOnSeveralLinesIsReservedForTheirSum() async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 5)

            try await service.react(to: try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 2), StockLine(sku: "A", quantity: 3)]))

            #expect(try await service.stock("A")! == (0, 5))
        }
    }

    @Test func aSecondPaymentForTheSameOrderReservesNothingMore() async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 10)
            try await service.react(to: try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 3)]))

            try await service.react(to: try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 3)]))

            #expect(try await service.stock("A")! == (7, 3))
        }
    }

    // MARK: Compensation: nothing reserved

    @Test func anOrderShortOfStockOnOneLineReservesNothingAndSaysWhichSku() async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 10)
            try await service.restock("B", 1)

            try await service.react(to: try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 3), StockLine(sku: "B", quantity: 2)]))

            #expect(try await service.stock("A")! == (10, 0))
            #expect(try await service.stock("B")! == (1, 0))
            #expect(try await outboxTypes(service).last == "InventoryReservationFailed")
            let failed = try await lastPayload(InventoryReservationFailed.self, service)
            #expect(failed.reason == .insufficientStock)
            #expect(failed.skus == ["B"])
            #expect(try await service.outbox().last?.metadata.routingKey == "inventory.reservation_failed")
        }
    }

    @Test func anOrderOfAnUnknownSkuFailsAsUnknownSku() async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 10)

            try await service.react(to: try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 1), StockLine(sku: "GHOST", quantity: 1)]))

            let failed = try await lastPayload(InventoryReservationFailed.self, service)
            #expect(failed.reason == .unknownSku)
            #expect(failed.skus == ["GHOST"])
            #expect(try await service.stock("A")! == (10, 0))
            #expect(try await service.stock("GHOST") == nil, "an unknown SKU is not created")
        }
    }

    // MARK: Compensation: release

    @Test func cancellingAReservedOrderReleasesEveryLine() async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 10)
            try await service.restock("B", 5)
            try await service.react(to: try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 3), StockLine(sku: "B", quantity: 5)]))
            let cancelled = try SagaEvents.cancelled("o-1")

            try await service.react(to: cancelled)

            #expect(try await service.stock("A")! == (10, 0))
            #expect(try await service.stock("B")! == (5, 0))
            #expect(try await outboxTypes(service).suffix(3) == ["ProductReleased", "ProductReleased", "InventoryReleased"])
            let released = try #require(try await service.outbox().last)
            #expect(released.metadata.routingKey == "inventory.released")
            #expect(released.metadata.causationId == cancelled.metadata.eventId)
        }
    }

    @Test func aCancellationBeforeThePaymentIsRememberedSoTheLatePaymentHoldsNothing() async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 10)

            try await service.react(to: try SagaEvents.cancelled("o-1"))
            try await service.react(to: try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 3)]))

            #expect(try await service.stock("A")! == (10, 0))
            let failed = try await lastPayload(InventoryReservationFailed.self, service)
            #expect(failed.reason == .orderCancelled)
            #expect(try await outboxTypes(service) == ["ProductRestocked", "InventoryReservationFailed"])
        }
    }

    @Test func cancellingAnOrderWhoseReservationFailedReleasesNothing() async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 1)
            try await service.react(to: try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 3)]))

            try await service.react(to: try SagaEvents.cancelled("o-1"))

            #expect(try await service.stock("A")! == (1, 0))
            #expect(try await outboxTypes(service) == ["ProductRestocked", "InventoryReservationFailed"])
        }
    }

    @Test func aSecondCancellationReleasesNothingMore() async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 10)
            try await service.react(to: try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 3)]))
            try await service.react(to: try SagaEvents.cancelled("o-1"))

            try await service.react(to: try SagaEvents.cancelled("o-1", reason: .timeout))

            #expect(try await service.stock("A")! == (10, 0))
            #expect(try await outboxTypes(service).filter { $0 == "InventoryReleased" }.count == 1)
        }
    }

    // MARK: What inventory does not react to, or cannot take

    @Test(arguments: [
        try Envelopes.received(PaymentDeclined(orderId: "o-1", customerId: "c-1", amount: 1, reason: .noAccount), aggregateId: "o-1", correlationId: "o-1"),
        try Envelopes.received(OrderConfirmed(orderId: "o-1", confirmedAt: Date(timeIntervalSince1970: 0)), aggregateId: "o-1", correlationId: "o-1"),
        try Envelopes.received(InventoryReserved(orderId: "o-1", items: [StockLine(sku: "A", quantity: 1)]), aggregateId: "o-1", correlationId: "o-1"),
    ])
    func anEventTypeInventoryDoesNotReactToIsRefusedAsNotAReaction(_ envelope: EventEnvelope) async throws {
        try await InventoryService.run { service in
            await #expect {
                try await service.react(to: envelope)
            } throws: { error in
                guard case EnvelopeError.notAReaction(let type) = error else { return false }
                return type == envelope.metadata.eventType
            }
        }
    }

    @Test(arguments: [
        [StockLine(sku: "A", quantity: 0)],
        [StockLine(sku: "A", quantity: 1_000_001)],
        [StockLine(sku: String(repeating: "s", count: 129), quantity: 1)],
        [],
    ])
    func aPaymentWhoseLinesBreakTheBoundsIsMalformedAndHoldsNothing(_ lines: [StockLine]) async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 10)

            await #expect {
                try await service.react(to: try SagaEvents.paid("o-1", lines))
            } throws: { error in
                guard case EnvelopeError.malformed = error else { return false }
                return true
            }
            let stock = try await service.stock("A")
            #expect(stock! == (10, 0))
        }
    }
}
