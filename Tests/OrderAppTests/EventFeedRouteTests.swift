import AppTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// `GET /events?after=&limit=` (contract 4.4): the whole store in commit order, paged by position.
@Suite struct EventFeedRouteTests {
    @Test func anEmptyStoreServesNoEventsAndNextPositionIsTheOneAskedFor() async throws {
        try await OrderService.run { service in
            let first = try await service.client.get("/events")
            let later = try await service.client.get("/events?after=42")

            #expect(first.status == .ok)
            #expect(first.json["events"].count == 0)
            #expect(first.json["nextPosition"].int == 0)
            #expect(later.json["nextPosition"].int == 42)
        }
    }

    @Test func theFeedIsPagedByPositionInCommitOrderWithoutGapsOrRepeats() async throws {
        try await OrderService.run { service in
            var orders: [String] = []
            for _ in 0..<3 { orders.append(try await service.place()) }
            _ = try await service.client.post("/orders/\(orders[0])/cancel")

            var seen: [JSONValue] = []
            var after = 0
            while true {
                let page = try await service.client.get("/events?after=\(after)&limit=3")
                let events = try #require(page.json["events"].array)
                seen += events
                let next = try #require(page.json["nextPosition"].int)
                if events.isEmpty {
                    #expect(next == after, "an empty page stays where it was asked")
                    break
                }
                #expect(next == events.last?["position"].int, "nextPosition is the last event's position")
                after = next
            }

            #expect(seen.count == 4)
            let positions = seen.compactMap { $0["position"].int }
            #expect(positions == positions.sorted() && Set(positions).count == positions.count)
            #expect(seen.map { $0["eventType"].string } == ["OrderPlaced", "OrderPlaced", "OrderPlaced", "OrderCancelled"])
            #expect(seen.map { $0["aggregateId"].string } == orders.map(Optional.some) + [orders[0]])
        }
    }

    @Test func eachEntryIsTheContractsEnvelopeWithItsPosition() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            let entry = try await service.client.get("/events").json["events"][0]

            #expect(entry.keys == ["eventId", "eventType", "schemaVersion", "aggregateType", "aggregateId", "aggregateVersion",
                                   "occurredAt", "correlationId", "payload", "position"],
                    "causationId is absent for a client's command: \(entry)")
            #expect(entry["aggregateType"].string == "Order")
            #expect(entry["correlationId"].string == orderId)
            #expect(entry["payload"]["orderId"].string == orderId)
        }
    }

    @Test func limitOneReturnsOneEvent() async throws {
        try await OrderService.run { service in
            _ = try await service.place()
            _ = try await service.place()

            #expect(try await service.client.get("/events?limit=1").json["events"].count == 1)
        }
    }

    @Test(arguments: ["after=-1", "after=x", "limit=0", "limit=1001", "limit=ten", "after=1.5"])
    func anOutOfRangeAfterOrLimitIs400(_ query: String) async throws {
        try await OrderService.run { service in
            expectContractError(try await service.client.get("/events?\(query)"), .badRequest, code: "invalid_parameter")
        }
    }
}
