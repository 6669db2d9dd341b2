import AppTestSupport
import Contracts
import Delivery
import EventSourcing
import EventStore
import Foundation
@testable import OrderApp
import OrderDomain
import ServiceKit
import Testing

/// order-service's saga reactions applied in-process, the way its consumer applies a delivery.
@Suite struct OrderReactionsTests {
    private func placedOrder(_ orderId: String, in database: EventStoreDatabase) async throws {
        let command = PlaceOrder(orderId: orderId, customerId: "c-1", currency: "EUR", items: [OrderItem(sku: "sku-1", quantity: 1, unitPrice: 100)])
        let events = try Order.initial.place(command, now: Date())
        try await database.write { transaction in
            try transaction.append(events, to: Order.aggregateType, id: orderId, expectedVersion: 0,
                                   context: EventContext(correlationId: orderId, causationId: nil))
        }
    }

    private func envelope(_ payload: some EventPayload, id: String, orderId: String) throws -> EventEnvelope {
        let metadata = EventMetadata(
            eventId: id, eventType: payload.eventType, schemaVersion: 1, aggregateType: type(of: payload).aggregateType,
            aggregateId: orderId, aggregateVersion: 1, occurredAt: Date(), correlationId: orderId, causationId: nil
        )
        return try EventEnvelope(metadata: metadata, payloadJSON: JSONCoding.encoder().encode(payload))
    }

    @Test func reservedStockConfirmsTheOrderOnceAndTheSameEventAgainChangesNothing() async throws {
        try await withTemporaryConfiguration(.order) { configuration in
            let database = try ServiceRuntime(configuration: configuration, migrations: OrderSchema.migrations).database
            try await placedOrder("o-1", in: database)
            let reserved = try envelope(InventoryReserved(orderId: "o-1", items: [StockLine(sku: "sku-1", quantity: 1)]), id: "e-1", orderId: "o-1")

            #expect(try await OrderReactions().apply(reserved, to: database) == .handled)
            #expect(try await OrderReactions().apply(reserved, to: database) == .duplicate)

            let order = try await database.read { try $0.load(Order.self, id: "o-1") }
            #expect(order.state.status == .confirmed)
            #expect(order.version == 2)
        }
    }

    @Test func anEventTheDeclarationDoesNotNameFailsAsMalformedAndChangesNothing() async throws {
        try await withTemporaryConfiguration(.order) { configuration in
            let database = try ServiceRuntime(configuration: configuration, migrations: OrderSchema.migrations).database
            try await placedOrder("o-2", in: database)
            let authorized = try envelope(
                PaymentAuthorized(orderId: "o-2", customerId: "c-1", amount: 100, items: [StockLine(sku: "sku-1", quantity: 1)]),
                id: "e-2", orderId: "o-2"
            )

            let outcome = try await OrderReactions().apply(authorized, to: database)

            #expect(outcome == .failed(reason: "this service does not react to PaymentAuthorized", malformed: true))
            #expect(try await database.read { try $0.hasHandled(eventId: "e-2") } == false)
            #expect(try await database.read { try $0.load(Order.self, id: "o-2") }.version == 1)
        }
    }
}
