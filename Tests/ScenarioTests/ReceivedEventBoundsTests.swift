import Foundation
import Testing
import Messaging
import TestSupport

/// A received event whose ids or numbers break the contract's rules is parked as `malformed` by
/// the service it reaches, changes nothing, and the service goes on: no input makes a sum overflow
/// or an id outgrow what the broker and the stores accept.
@Suite("Received events out of bounds", .serialized, .timeLimit(.minutes(30)))
struct ReceivedEventBoundsTests {
    @Test func eventsWithOversizedIdsOverflowingQuantitiesOrAWrongTotalAreParkedAndChangeNothing() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-1", amount: 100_000)
            try await system.restock(sku: "SKU-1", quantity: 50)
            let publisher = try await RawPublisher.connect(to: system)

            // An id of 65 two-byte characters: 65 characters, but 130 bytes.
            let longCustomer = Envelope.orderPlaced(
                orderId: "o-long-\(UUID().uuidString)", customerId: String(repeating: "é", count: 65),
                items: [OrderLine(sku: "SKU-1", quantity: 1, unitPrice: 100)])
            // Quantities that sum past Int.max on the same SKU.
            let overflowOrder = "o-overflow-\(UUID().uuidString)"
            let overflow = Envelope.make(
                eventType: "PaymentAuthorized", aggregateType: "Payment", aggregateId: overflowOrder, correlationId: overflowOrder,
                payload: .object([
                    "orderId": .string(overflowOrder), "customerId": .string("c-1"), "amount": .int(1),
                    "items": .array([
                        .object(["sku": .string("SKU-1"), "quantity": .int(Int.max)]),
                        .object(["sku": .string("SKU-1"), "quantity": .int(Int.max)]),
                    ]),
                ]))
            // A total that is not the sum of the lines.
            var wrongTotal = Envelope.orderPlaced(
                orderId: "o-total-\(UUID().uuidString)", customerId: "c-1", items: [OrderLine(sku: "SKU-1", quantity: 2, unitPrice: 100)])
            if case .object(var fields) = wrongTotal, case .object(var payload) = fields["payload"] {
                payload["total"] = .int(1)
                fields["payload"] = .object(payload)
                wrongTotal = .object(fields)
            }

            for envelope in [longCustomer, overflow, wrongTotal] { try await publisher.publish(envelope: envelope) }
            await publisher.close()

            for (service, envelope) in [(ServiceName.payment, longCustomer), (.inventory, overflow), (.payment, wrongTotal)] {
                let id = try #require(envelope["eventId"]?.stringValue)
                let letter = try await system.waitForDeadLetter(service, id: id, "as malformed") { $0.reason == "malformed" }
                #expect(letter.attempts <= 1, "parked at once, not retried: \(letter)")
            }
            #expect(try await system.payment(orderId: overflowOrder) == nil)
            let product = try #require(try await system.product("SKU-1"))
            #expect(product.available == 50 && product.reserved == 0, "nothing was reserved: \(product)")
            #expect(try #require(try await system.account("c-1")).balance == 100_000, "nothing was charged")

            // The services go on.
            let orderId = try await system.placeOrder(customerId: "c-1", items: [OrderLine(sku: "SKU-1", quantity: 2, unitPrice: 500)])
            #expect(try await system.waitForFinalStatus(orderId).status == .confirmed)
            await system.checkInvariants()
        }
    }

    @Test func anEventTypeAServiceDoesNotReactToIsParkedNotAckedAsHandled() async throws {
        try await withSagaSystem { system in
            let publisher = try await RawPublisher.connect(to: system)
            let orderId = "o-stray-\(UUID().uuidString)"
            let stray = Envelope.make(
                eventType: "OrderConfirmed", aggregateType: "Order", aggregateId: orderId, correlationId: orderId,
                payload: .object(["orderId": .string(orderId), "confirmedAt": .string(Envelope.timestamp(Date()))]))
            let id = try #require(stray["eventId"]?.stringValue)
            // Straight into payment-service's queue, which binds no order.confirmed.
            try await publisher.publish(
                exchange: "", routingKey: "payment-service", body: try Envelope.data(stray), messageId: id, type: "OrderConfirmed",
                correlationId: orderId)
            await publisher.close()
            let letter = try await system.waitForDeadLetter(.payment, id: id, "as not a reaction") { $0.reason == "malformed" }
            #expect(letter.error?.contains("does not react to OrderConfirmed") == true, "\(letter)")
        }
    }

    /// A header table entry with an empty name is legal on the wire, but librabbitmq 0.11 cannot
    /// copy such a table: read through it, the message would break the consumer's connection and
    /// come back forever. It is parked as malformed, its parked copy decodes whole (a replay
    /// reaches the service again), and the consumers go on.
    @Test func aMessageWithAnEmptyHeaderNameIsParkedAndTheConsumerGoesOn() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-1", amount: 10_000)
            try await system.restock(sku: "SKU-1", quantity: 5)
            let publisher = try await RawPublisher.connect(to: system)
            let id = "m-empty-header-\(UUID().uuidString)"
            // A header table entry whose name is empty, next to one nested in a table: not an envelope either.
            try await publisher.publish(
                exchange: "", routingKey: "payment-service", body: Data("not json".utf8), messageId: id,
                headers: ["": .string("v"), "schema-version": .int(1), "nested": .table(["": .int(1)])])
            // An envelope with such a header, straight to the read side's queue.
            let orderId = "o-empty-header-\(UUID().uuidString)"
            let envelope = Envelope.make(
                eventType: "OrderConfirmed", aggregateType: "Order", aggregateId: orderId, correlationId: orderId,
                payload: .object(["orderId": .string(orderId), "confirmedAt": .string(Envelope.timestamp(Date()))]))
            let envelopeId = try #require(envelope["eventId"]?.stringValue)
            try await publisher.publish(
                exchange: "", routingKey: "projection-service", body: try Envelope.data(envelope), messageId: envelopeId,
                type: "OrderConfirmed", correlationId: orderId, headers: ["": .string("v"), "schema-version": .int(1)])
            // And one straight into a parking queue: the dead-letter keeper stores it all the same.
            let strayId = "m-parked-empty-header-\(UUID().uuidString)"
            try await publisher.publish(
                exchange: "", routingKey: "inventory-service.dead-letters", body: Data("stray".utf8), messageId: strayId,
                headers: ["": .string("v")])
            await publisher.close()

            let letter = try await system.waitForDeadLetter(.payment, id: id, "as malformed") { $0.reason == "malformed" }
            #expect(letter.error?.hasPrefix("undecodable header table: ") == true, "\(letter)")
            #expect(letter.error?.contains(#"the header name "" is empty"#) == true, "\(letter)")
            #expect(letter.error?.contains(#"the entry name "" in header "nested" is empty"#) == true, "\(letter)")
            #expect(letter.attempts <= 1, "parked at once, not retried: \(letter)")
            let projected = try await system.waitForDeadLetter(.projection, id: envelopeId, "as malformed") { $0.reason == "malformed" }
            #expect(projected.error?.hasPrefix("undecodable header table: ") == true, "\(projected)")
            let stray = try await system.waitForDeadLetter(.inventory, id: strayId, "kept by the dead-letter keeper")
            #expect(stray.error?.hasPrefix("undecodable header table: ") == true, "\(stray)")

            // The parked copy lost the empty names, so a replay reaches payment-service whole: it is
            // parked again, now for its body.
            #expect(try await system.replayDeadLetter(.payment, id: id).status == 202)
            let replayed = try await system.waitForDeadLetter(.payment, id: id, "again, for its body") {
                $0.reason == "malformed" && $0.error?.contains("undecodable") == false
            }
            #expect(replayed.body == "not json")

            let confirmed = try await system.placeOrder(customerId: "c-1", items: [OrderLine(sku: "SKU-1", quantity: 1, unitPrice: 100)])
            #expect(try await system.waitForFinalStatus(confirmed).status == .confirmed)
            await system.checkInvariants()
        }
    }
}
