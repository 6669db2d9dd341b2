import AppTestSupport
import Contracts
import EventStore
import Foundation
import HummingbirdTesting
@testable import OrderApp
import OrderDomain
import Testing

/// The order's side of the saga, called in-process on the service's real store: given an order,
/// when an event of another service arrives, then the order's events in the outbox.
@Suite struct OrderReactionTests {
    private static let lines = [StockLine(sku: "SKU-1", quantity: 2)]

    // MARK: Happy path

    @Test func inventoryReservedConfirmsThePendingOrderAndPublishesOrderConfirmed() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()
            let reserved = try Envelopes.received(
                InventoryReserved(orderId: orderId, items: Self.lines), aggregateId: orderId, correlationId: orderId)

            try await service.react(to: reserved)

            let order = try await service.client.get("/orders/\(orderId)")
            #expect(order.json["status"].string == "CONFIRMED")
            let confirmed = try #require(try await service.outbox().last)
            #expect(confirmed.metadata.eventType == "OrderConfirmed")
            #expect(confirmed.metadata.routingKey == "order.confirmed")
            #expect(confirmed.metadata.causationId == reserved.metadata.eventId, "caused by the InventoryReserved")
            #expect(confirmed.metadata.correlationId == orderId)
        }
    }

    @Test func cancellingAConfirmedOrderIs202AndPublishesOrderCancelled() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()
            try await service.react(to: Envelopes.received(
                InventoryReserved(orderId: orderId, items: Self.lines), aggregateId: orderId, correlationId: orderId))

            let response = try await service.client.post("/orders/\(orderId)/cancel")

            #expect(response.status == .accepted)
            #expect(response.json["status"].string == "CANCELLED")
            #expect(try await service.outbox().map(\.metadata.eventType) == ["OrderPlaced", "OrderConfirmed", "OrderCancelled"])
        }
    }

    // MARK: Compensation

    @Test func paymentDeclinedCancelsTheOrderAsPaymentDeclined() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()
            let declined = try Envelopes.received(
                PaymentDeclined(orderId: orderId, customerId: "c-1", amount: 2500, reason: .insufficientFunds),
                aggregateId: orderId, correlationId: orderId)

            try await service.react(to: declined)

            let order = try await service.client.get("/orders/\(orderId)")
            #expect(order.json["status"].string == "CANCELLED")
            #expect(order.json["cancellationReason"].string == "payment_declined")
            let cancelled = try #require(try await service.outbox().last)
            #expect(cancelled.metadata.eventType == "OrderCancelled")
            #expect(cancelled.metadata.causationId == declined.metadata.eventId)
        }
    }

    @Test(arguments: [CancellationReason.outOfStock, .customerRequest, .timeout])
    func paymentRefundedCancelsThePendingOrderWithTheRefundsReason(_ reason: CancellationReason) async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            try await service.react(to: Envelopes.received(
                PaymentRefunded(orderId: orderId, customerId: "c-1", amount: 2500, reason: reason), aggregateId: orderId, correlationId: orderId))

            let order = try await service.client.get("/orders/\(orderId)")
            #expect(order.json["status"].string == "CANCELLED")
            #expect(order.json["cancellationReason"].string == reason.rawValue)
        }
    }

    @Test func inventoryReservedAfterTheCustomerCancelledLeavesTheOrderCancelledAndPublishesNothing() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()
            _ = try await service.client.post("/orders/\(orderId)/cancel")

            try await service.react(to: Envelopes.received(
                InventoryReserved(orderId: orderId, items: Self.lines), aggregateId: orderId, correlationId: orderId))

            #expect(try await service.client.get("/orders/\(orderId)").json["status"].string == "CANCELLED")
            #expect(try await service.outbox().map(\.metadata.eventType) == ["OrderPlaced", "OrderCancelled"],
                    "a cancelled order never becomes CONFIRMED")
        }
    }

    @Test func aRefundOfAnAlreadyCancelledOrderKeepsTheFirstReason() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()
            _ = try await service.client.post("/orders/\(orderId)/cancel")

            try await service.react(to: Envelopes.received(
                PaymentRefunded(orderId: orderId, customerId: "c-1", amount: 2500, reason: .customerRequest), aggregateId: orderId, correlationId: orderId))

            let order = try await service.client.get("/orders/\(orderId)")
            #expect(order.json["cancellationReason"].string == "customer_request")
            #expect(order.json["version"].int == 2)
        }
    }

    // MARK: What the order does not react to, or cannot handle

    @Test func anEventForAnOrderThisServiceDoesNotKnowFailsToBeRetried() async throws {
        try await OrderService.run { service in
            let reserved = try Envelopes.received(
                InventoryReserved(orderId: "no-such-order", items: Self.lines), aggregateId: "no-such-order", correlationId: "no-such-order")

            await #expect(throws: OrderError.notFound(orderId: "no-such-order")) { try await service.react(to: reserved) }
            #expect(try await service.outbox().isEmpty)
        }
    }

    @Test(arguments: [
        try Envelopes.received(OrderPlaced(orderId: "o-1", customerId: "c-1", currency: "USD", items: [OrderItem(sku: "S", quantity: 1, unitPrice: 1)], total: 1, placedAt: Date(timeIntervalSince1970: 0)), aggregateId: "o-1", correlationId: "o-1"),
        try Envelopes.received(PaymentAuthorized(orderId: "o-1", customerId: "c-1", amount: 1, items: lines), aggregateId: "o-1", correlationId: "o-1"),
        try Envelopes.received(InventoryReleased(orderId: "o-1", items: lines), aggregateId: "o-1", correlationId: "o-1"),
    ])
    func anEventTypeTheOrderDoesNotReactToIsRefusedAsNotAReaction(_ envelope: EventEnvelope) async throws {
        try await OrderService.run { service in
            await #expect {
                try await service.react(to: envelope)
            } throws: { error in
                guard case EnvelopeError.notAReaction(let type) = error else { return false }
                return type == envelope.metadata.eventType
            }
            let outbox = try await service.outbox()
            #expect(outbox.isEmpty)
        }
    }

    @Test func aReceivedPayloadThatBreaksTheIdRuleIsMalformed() async throws {
        try await OrderService.run { service in
            let tooLong = String(repeating: "o", count: 129)
            let body = try Envelopes.body(InventoryReserved(orderId: tooLong, items: Self.lines), aggregateId: "o-1", correlationId: "o-1")
            let envelope = try EventEnvelope(body: body)

            await #expect {
                try await service.react(to: envelope)
            } throws: { error in
                guard case EnvelopeError.malformed(let reason) = error else { return false }
                return reason.contains("orderId")
            }
        }
    }
}

extension OrderService {
    /// Runs the order-service's reaction to `envelope` in one transaction of its store.
    func react(to envelope: EventEnvelope) async throws {
        try await store.write { transaction in try OrderReactions().handle(envelope, in: transaction) }
    }
}
