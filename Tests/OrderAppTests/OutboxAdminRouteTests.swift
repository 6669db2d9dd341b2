import AppTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// `/admin/outbox/set-aside`: the events the relay could not publish, and putting one back.
@Suite struct OutboxAdminRouteTests {
    /// Sets the order's `OrderPlaced` aside as the relay does when the broker refuses it; returns its position.
    private func setAside(_ service: OrderService) async throws -> (orderId: String, position: Int64) {
        let orderId = try await service.place()
        let position = try #require(try await service.outbox().first?.metadata.position)
        try await service.store.write { try $0.setAside(position: position, reason: "the broker refused it") }
        return (orderId, position)
    }

    @Test func nothingIsSetAsideInAFreshStore() async throws {
        try await OrderService.run { service in
            let response = try await service.client.get("/admin/outbox/set-aside", headers: .admin)

            #expect(response.status == .ok)
            #expect(response.json["setAside"].count == 0)
            #expect(response.json["total"].int == 0)
        }
    }

    @Test func aSetAsideEventIsListedWithItsReasonAndLeavesTheOutboxQueue() async throws {
        try await OrderService.run { service in
            let (orderId, position) = try await setAside(service)

            let item = try await service.client.get("/admin/outbox/set-aside", headers: .admin).json["setAside"][0]

            #expect(item["position"].int == Int(position))
            #expect(item["eventType"].string == "OrderPlaced")
            #expect(item["aggregateId"].string == orderId)
            #expect(item["reason"].string == "the broker refused it")
            #expect(try await service.outbox().isEmpty, "the relay skips a set-aside event")
        }
    }

    @Test func retryingPutsTheEventBackInTheOutboxAtItsPlace() async throws {
        try await OrderService.run { service in
            let (_, position) = try await setAside(service)

            let response = try await service.client.post("/admin/outbox/set-aside/\(position)/retry", headers: .admin)

            #expect(response.status == .accepted)
            #expect(response.json["position"].int == Int(position))
            #expect(response.json["status"].string == "queued")
            #expect(try await service.outbox().map(\.metadata.position) == [position])
            #expect(try await service.client.get("/admin/outbox/set-aside", headers: .admin).json["total"].int == 0)
            expectContractError(try await service.client.post("/admin/outbox/set-aside/\(position)/retry", headers: .admin), .notFound, code: "not_found")
        }
    }

    @Test(arguments: ["0", "-3", "abc", "1.5"])
    func aPositionThatIsNotAPositiveIntegerIs400(_ position: String) async throws {
        try await OrderService.run { service in
            expectContractError(try await service.client.post("/admin/outbox/set-aside/\(position)/retry", headers: .admin), .badRequest, code: "invalid_request")
        }
    }

    @Test(arguments: ["limit=0", "limit=1001", "limit=x"])
    func aListingLimitOutOfRangeIs400(_ query: String) async throws {
        try await OrderService.run { service in
            expectContractError(try await service.client.get("/admin/outbox/set-aside?\(query)", headers: .admin), .badRequest, code: "invalid_parameter")
        }
    }

    @Test func theOutboxAdminNeedsTheToken() async throws {
        try await OrderService.run { service in
            try await SharedRouteExpectations.expectAdminGuard(service.client, path: "/admin/outbox/set-aside")
        }
    }
}
