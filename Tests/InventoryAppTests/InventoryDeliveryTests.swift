import AppTestSupport
import Contracts
import EventStore
import Foundation
import Messaging
@testable import InventoryApp
import Delivery
import ServiceKit
import Testing

/// Deliveries through the consumer's path on the real store: a redelivered payment reserves
/// once, a redelivered cancellation releases once.
@Suite struct InventoryDeliveryTests {
    @Test func aPaymentAndACancellationDeliveredTwiceReserveAndReleaseOnce() async throws {
        try await InventoryService.run { service in
            try await service.restock("A", 10)
            let paid = try SagaEvents.paid("o-1", [StockLine(sku: "A", quantity: 4)])
            let cancelled = try SagaEvents.cancelled("o-1")

            let outcomes = [
                try await service.deliver(paid.body, from: "payments"),
                try await service.deliver(paid.body, from: "payments"),
            ]
            #expect(try await service.stock("A")! == (6, 4))
            let compensations = [
                try await service.deliver(cancelled.body, from: "orders"),
                try await service.deliver(cancelled.body, from: "orders"),
            ]

            #expect(outcomes.map(\.isDuplicate) == [false, true])
            #expect(compensations.map(\.isDuplicate) == [false, true])
            #expect(try await service.stock("A")! == (10, 0))
        }
    }

    @Test func aPaymentWithAnOverflowingQuantityIsParkedAtOnce() async throws {
        try await InventoryService.run { service in
            let body = try Envelopes.body(
                PaymentAuthorized(orderId: "o-1", customerId: "c-1", amount: 1, items: [StockLine(sku: "A", quantity: Int.max)]),
                aggregateId: "o-1", correlationId: "o-1")

            #expect(try await service.deliver(body, from: "payments").parksAtOnce)
        }
    }
}

extension InventoryService {
    /// `body` delivered from `exchange` and handled as the consumer does, in one transaction.
    func deliver(_ body: Data, from exchange: String) async throws -> DeliveryOutcome {
        let delivery = Deliveries.make(body: body, exchange: exchange)
        return DeliveryOutcome(try await store.write { try InventoryReactions().apply(body: delivery.body, in: $0) })
    }
}
