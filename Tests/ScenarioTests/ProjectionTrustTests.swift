import Foundation
import Testing
import TestSupport

/// The read side believes a source's feed only: a message on the broker that claims a
/// position is a notification, checked against the feed, never applied itself.
@Suite("Read side trusts only the feeds", .serialized, .timeLimit(.minutes(30)))
struct ProjectionTrustTests {
    @Test func forgedEventAtTheNextPositionChangesNothingAndTheRealEventThereIsApplied() async throws {
        try await withSagaSystem { system in
            try await seedCustomersAndStock(system)
            let orders = try await system.placeOrders(orderPlan(count: 8))
            var cancelled: String?
            for id in orders where try await system.waitForFinalStatus(id).status == .cancelled { cancelled = id }
            let victim = try #require(cancelled, "the plan has orders that end cancelled")
            try await system.waitUntilProjectionCaughtUp()

            let feed = try await system.feed(.order)
            let head = try #require(feed.last?["position"]?.intValue)
            let template = try #require(feed.first { $0["eventType"]?.stringValue == "OrderConfirmed" })
            let victimVersion = feed.filter { $0["aggregateId"]?.stringValue == victim }.compactMap { $0["aggregateVersion"]?.intValue }.max() ?? 0
            // An OrderConfirmed of the cancelled order, shaped like the real thing, claiming the orders feed's next position.
            let forgedId = UUID().uuidString.lowercased()
            let forged = template
                .setting("eventId", .string(forgedId)).setting("aggregateId", .string(victim)).setting("correlationId", .string(victim))
                .setting("aggregateVersion", .int(victimVersion + 1)).setting("position", .int(head + 1))
                .setting("payload", (template["payload"] ?? .null).setting("orderId", .string(victim)))

            // The real event at that position happens while the projection is down, and its message is lost.
            #expect(await system.projectionService.terminate() == .exited(0))
            let real = try await system.placeOrder(customerId: "c-1", items: [OrderLine(sku: "SKU-A", quantity: 1, unitPrice: 400)])
            let realStatus = try await system.waitForFinalStatus(real).status
            let realPlaced = try #require(try await system.feed(.order).first { $0["aggregateId"]?.stringValue == real })
            #expect(realPlaced["position"]?.intValue == head + 1, "the real order's first event takes the next position: \(realPlaced)")
            let broker = try await BrokerClient.connect(to: system)
            try await broker.purge("projection-service")
            // Only projection-service binds order.confirmed on `orders`: no other service sees the forgery.
            try await broker.publish(forged, to: "orders", routingKey: "order.confirmed", position: Int64(head + 1))
            await broker.close()

            try await system.projectionService.start()
            try await system.projectionService.waitUntilReady()
            let letter = try await system.waitForDeadLetter(.projection, id: forgedId, "parked as not from order-service")
            #expect(letter.reason == "malformed" && letter.error?.contains("not an event of order-service") == true, "\(letter)")
            #expect(try await system.metric(.projection, "projection_events_ignored_total") == 1)
            try await system.waitUntilProjectionCaughtUp()
            #expect(try await system.projectedOrder(victim)?.status == .cancelled, "the forged confirmation changed nothing")
            #expect(try await system.projectedOrder(real)?.status == realStatus, "the real event at the claimed position is applied")
            let timeline = try await system.projectionService.client.get("/orders/\(victim)/timeline").json?["events"]?.arrayValue ?? []
            #expect(!timeline.contains { $0["eventId"]?.stringValue == forgedId }, "\(timeline)")
            await system.checkInvariants()
        }
    }

    @Test func farAheadPositionClaimsDoNotPinTheLag() async throws {
        try await withSagaSystem { system in
            try await seedCustomersAndStock(system)
            for id in try await system.placeOrders(orderPlan(count: 4)) { _ = try await system.waitForFinalStatus(id) }
            try await system.waitUntilProjectionCaughtUp()

            let template = try #require(try await system.feed(.payment).last)
            let broker = try await BrokerClient.connect(to: system)
            let claims: [Int64] = [Int64.max, 1_000_000_000]
            var ids: [String] = []
            for position in claims {
                let id = UUID().uuidString.lowercased()
                ids.append(id)
                // A routing key no saga participant binds: only the projection sees these.
                try await broker.publish(template.setting("eventId", .string(id)), to: "payments", routingKey: "payment.bogus", position: position)
            }
            await broker.close()
            for id in ids {
                let letter = try await system.waitForDeadLetter(.projection, id: id, "parked as beyond the payments feed")
                #expect(letter.error?.contains("the feed of payment-service ends at position") == true, "\(letter)")
            }
            #expect(try await system.metric(.projection, "projection_events_ignored_total") == Double(claims.count))
            #expect(try await system.metric(.projection, "projection_source_lag_events") == 0)
            let stats = try await system.projectionStats()
            for source in SagaSystem.sources {
                #expect(stats["lag"]?[source.rawValue]?.intValue == 0, "\(stats)")
                #expect(stats["sources"]?[source.rawValue]?["headPosition"] == stats["sources"]?[source.rawValue]?["position"], "\(stats)")
            }

            // The read side goes on: a new order is applied, and nothing lags.
            let next = try await system.placeOrder(customerId: "c-2", items: [OrderLine(sku: "SKU-B", quantity: 1, unitPrice: 200)])
            let status = try await system.waitForFinalStatus(next).status
            try await system.waitForProjectedOrder(next, "status \(status)") { $0.status == status }
            try await system.waitUntilProjectionCaughtUp()
            await system.checkInvariants()
        }
    }
}
