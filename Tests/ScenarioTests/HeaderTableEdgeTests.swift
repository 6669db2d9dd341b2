import Foundation
import Testing
import TestSupport

/// Header tables a client library would never write, sent as raw frames to the real broker and
/// services: what the broker refuses never reaches a queue, and what it takes but no service
/// could read whole is parked with its reason by every service it reaches, while the saga goes on.
@Suite("Header tables at the edges", .sharedSagaSystem(), .timeLimit(.minutes(20)))
struct HeaderTableEdgeTests {
    /// An unknown field kind or a truncated table is a frame the broker cannot parse: it closes the
    /// publisher's connection (541) and nothing is enqueued, so no consumer ever has to read it.
    @Test(arguments: ["unknown kind", "truncated"])
    func aTableTheBrokerCannotParseNeverReachesAQueue(kind: String) async throws {
        let system = try SagaSystem.requireShared()
        let entry = kind == "unknown kind"
            ? RawAMQPPublisher.unknownKindEntry(name: "odd") : RawAMQPPublisher.truncatedEntry(name: "odd")
        let orderId = "raw-\(UUID().uuidString.lowercased())"
        let envelope = Envelope.orderPlaced(orderId: orderId, customerId: "c-raw", items: [OrderLine(sku: "SKU-RAW", quantity: 1, unitPrice: 1)])
        let messageId = try #require(envelope["eventId"]?.stringValue)
        let properties = RawAMQPPublisher.properties(contentType: "application/json", headerEntries: entry, messageId: messageId, type: "OrderPlaced")
        let publisher = try RawAMQPPublisher(port: system.broker.amqpPort)
        let outcome = try publisher.publish(
            exchange: "orders", routingKey: "order.placed", propertyFlags: properties.flags, properties: properties.bytes,
            body: Array(try Envelope.data(envelope)))
        guard case .closed(let code, _) = outcome else {
            Issue.record("the broker took a table it cannot parse: \(outcome)")
            return
        }
        #expect(code == 541, "\(outcome)")

        // The saga goes on, and nothing about that order arrived anywhere.
        try await expectSagaRuns(system)
        #expect(try await system.deadLetters(.payment).deadLetters.allSatisfy { $0.id != messageId })
        #expect(try await system.payment(orderId: orderId) == nil)
    }

    /// A header nested 20,000 levels deep is legal on the wire and the broker takes it; each level
    /// would be a recursion of every reader and writer. payment-service and projection-service
    /// (which binds `#`) each park it as malformed, naming the header, and the saga goes on.
    @Test func aHeaderNestedThousandsOfLevelsDeepIsParkedWithItsReasonByEveryServiceItReaches() async throws {
        let system = try SagaSystem.requireShared()
        let orderId = "deep-\(UUID().uuidString.lowercased())"
        let envelope = Envelope.orderPlaced(orderId: orderId, customerId: "c-deep", items: [OrderLine(sku: "SKU-DEEP", quantity: 1, unitPrice: 1)])
        let messageId = try #require(envelope["eventId"]?.stringValue)
        let entries = RawAMQPPublisher.stringEntry(name: "schema-version-note", value: "kept")
            + RawAMQPPublisher.deeplyNestedEntry(name: "deep", levels: 20_000)
        let properties = RawAMQPPublisher.properties(contentType: "application/json", headerEntries: entries, messageId: messageId, type: "OrderPlaced")
        let publisher = try RawAMQPPublisher(port: system.broker.amqpPort)
        let outcome = try publisher.publish(
            exchange: "orders", routingKey: "order.placed", propertyFlags: properties.flags, properties: properties.bytes,
            body: Array(try Envelope.data(envelope)))
        #expect(outcome == .confirmed, "the broker takes a deeply nested table: \(outcome)")

        for service in [ServiceName.payment, .projection] {
            let letter = try await system.waitForDeadLetter(service, id: messageId, timeout: .seconds(90))
            #expect(letter.reason == "malformed", "\(service): \(letter)")
            #expect((letter.error ?? "").contains(#"the header name "deep" holds tables or arrays nested more than 32 levels deep"#),
                    "\(service): \(letter)")
        }
        #expect(try await system.payment(orderId: orderId) == nil, "a parked message decided nothing")
        #expect(system.paymentService.isRunning && system.projectionService.isRunning, "no service died of it")
        try await expectSagaRuns(system)
    }

    private func expectSagaRuns(_ system: SagaSystem) async throws {
        let customer = "c-hdr-\(UUID().uuidString.prefix(8))"
        let sku = "SKU-HDR-\(UUID().uuidString.prefix(8))"
        _ = try await system.deposit(customerId: customer, amount: 1_000)
        _ = try await system.restock(sku: sku, quantity: 5)
        let orderId = try await system.placeOrder(customerId: customer, items: [OrderLine(sku: sku, quantity: 1, unitPrice: 100)])
        #expect(try await system.waitForFinalStatus(orderId).status == .confirmed)
    }
}
