import AppTestSupport
import Contracts
import EventStore
import Foundation
import Messaging
@testable import PaymentApp
import Delivery
import ServiceKit
import Testing

/// Deliveries through the consumer's path on the real store: a redelivered `OrderPlaced`
/// charges once, and a batch's failing delivery leaves the others' effects in place.
@Suite struct PaymentDeliveryTests {
    @Test func anOrderPlacedDeliveredTwiceChargesOnce() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            let placed = try OrderEvents.placed("o-1")

            let first = try await service.deliver(placed.body, from: "orders")
            let second = try await service.deliver(placed.body, from: "orders")

            #expect(first.isHandled && second.isDuplicate)
            #expect(try await service.balance() == 7500)
            #expect(try await service.outbox().filter { $0.metadata.eventType == "PaymentAuthorized" }.count == 1)
        }
    }

    @Test func aDeliveryThatFailsInABatchLeavesTheOthersEffectsAndRecordsOnlyThem() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            let placed = try OrderEvents.placed("o-1")
            let early = try OrderEvents.reservationFailed("o-unknown")
            let cancelled = try OrderEvents.cancelled("o-1")

            let outcomes = try await service.deliverBatch([(placed.body, "orders"), (early.body, "inventory"), (cancelled.body, "orders")])

            #expect(outcomes.map(\.isHandled) == [true, false, true])
            #expect(outcomes[1].isRetried, "a stock failure before its payment is known is retried, not parked")
            #expect(try await service.balance() == 10000, "charged, then refunded")
            #expect(!(try await service.hasHandled(early.metadata.eventId)))
        }
    }

    @Test func aPaymentEventSentToPaymentServiceIsParkedNotAcked() async throws {
        try await PaymentService.run { service in
            let own = try Envelopes.received(PaymentAuthorized(orderId: "o-1", customerId: "c-1", amount: 1, items: [StockLine(sku: "S", quantity: 1)]),
                                             aggregateId: "o-1", correlationId: "o-1")

            #expect(try await service.deliver(own.body, from: "payments").parksAtOnce)
        }
    }
}

extension PaymentService {
    /// `body` delivered from `exchange` and handled as the consumer does, in one transaction.
    func deliver(_ body: Data, from exchange: String) async throws -> DeliveryOutcome {
        try await deliverBatch([(body, exchange)])[0]
    }

    /// The deliveries handled as one batch of the consumer: one transaction, each in its savepoint.
    func deliverBatch(_ messages: [(body: Data, exchange: String)]) async throws -> [DeliveryOutcome] {
        let deliveries = messages.enumerated().map { Deliveries.make(body: $1.body, exchange: $1.exchange, tag: UInt64($0 + 1)) }
        return try await store.write { transaction in
            try deliveries.map { DeliveryOutcome(try PaymentReactions().apply(body: $0.body, in: transaction)) }
        }
    }
}
