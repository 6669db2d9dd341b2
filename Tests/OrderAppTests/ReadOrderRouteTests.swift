import AppTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// `GET /orders/{id}`, `?version=N` and `GET /orders/{id}/events`.
@Suite struct ReadOrderRouteTests {
    @Test func anUnknownOrderIs404() async throws {
        try await OrderService.run { service in
            expectContractError(try await service.client.get("/orders/no-such-order"), .notFound, code: "not_found")
        }
    }

    @Test(arguments: [
        ("/orders/c%00d", "an encoded NUL"),
        ("/orders/c%0Ad", "an encoded newline"),
        ("/orders/c%C3", "bytes that are not UTF-8"),
        ("/orders/\(String(repeating: "%C3%A9", count: 65))", "130 bytes once decoded"),
    ])
    func aPathIdThatBreaksTheIdRuleIs400InvalidId(_ path: String, _ label: String) async throws {
        try await OrderService.run { service in
            expectContractError(try await service.client.get(path), .badRequest, code: "invalid_id")
            expectContractError(try await service.client.get(path + "/events"), .badRequest, code: "invalid_id")
            expectContractError(try await service.client.post(path + "/cancel"), .badRequest, code: "invalid_id")
        }
    }

    @Test func anOrderIsReadAsOfAnEarlierVersion() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()
            _ = try await service.client.post("/orders/\(orderId)/cancel")

            let current = try await service.client.get("/orders/\(orderId)")
            let first = try await service.client.get("/orders/\(orderId)?version=1")

            #expect(current.json["status"].string == "CANCELLED")
            #expect(current.json["version"].int == 2)
            #expect(first.status == .ok)
            #expect(first.json["status"].string == "PENDING")
            #expect(first.json["version"].int == 1)
            #expect(!first.json["cancellationReason"].exists)
        }
    }

    @Test func aVersionPastTheStreamsEndIs404() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            expectContractError(try await service.client.get("/orders/\(orderId)?version=2"), .notFound, code: "not_found")
            expectContractError(try await service.client.get("/orders/no-such-order?version=1"), .notFound, code: "not_found")
        }
    }

    @Test(arguments: ["0", "-1", "abc", "1.5", ""])
    func aVersionThatIsNotAPositiveIntegerIs400(_ version: String) async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            expectContractError(try await service.client.get("/orders/\(orderId)?version=\(version)"), .badRequest, code: "invalid_parameter")
        }
    }

    @Test func theOrdersEventsAreListedOldestFirstWithTheirPositions() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()
            _ = try await service.client.post("/orders/\(orderId)/cancel")

            let response = try await service.client.get("/orders/\(orderId)/events")
            #expect(response.status == .ok)
            let events = try #require(response.json["events"].array)
            #expect(events.map { $0["eventType"].string } == ["OrderPlaced", "OrderCancelled"])
            #expect(events.map { $0["aggregateVersion"].int } == [1, 2])
            #expect(events.allSatisfy { $0["aggregateId"].string == orderId && $0["position"].int != nil })
            #expect(events[1]["payload"]["reason"].string == "customer_request")
        }
    }

    @Test func theEventsOfAnUnknownOrderAre404() async throws {
        try await OrderService.run { service in
            expectContractError(try await service.client.get("/orders/no-such-order/events"), .notFound, code: "not_found")
        }
    }
}
