import AppTestSupport
import HummingbirdTesting
import Testing

/// The routes payment-service shares with every service.
@Suite struct OperationsRouteTests {
    @Test func healthIsUpReadyWaitsForTheBrokerAndMetricsArePrometheusText() async throws {
        try await PaymentService.run { service in try await SharedRouteExpectations.expectOperationsRoutes(service.client) }
    }

    @Test func adminRoutesWantTheBearerToken() async throws {
        try await PaymentService.run { service in
            try await SharedRouteExpectations.expectAdminGuard(service.client)
            try await SharedRouteExpectations.expectAdminGuard(service.client, path: "/admin/outbox/set-aside")
            try await SharedRouteExpectations.expectUnroutedAdminPathsGuarded(service.client)
        }
    }

    @Test func withoutAnAdminTokenAdminIsOff() async throws {
        try await PaymentService.run(environment: ["ADMIN_TOKEN": ""]) { service in
            try await SharedRouteExpectations.expectAdminOff(service.client)
        }
    }

    @Test func anUnknownRouteIs404InTheErrorShape() async throws {
        try await PaymentService.run { service in try await SharedRouteExpectations.expectUnknownRoute(service.client) }
    }

    @Test func theEventFeedServesTheStoreFromTheStart() async throws {
        try await PaymentService.run { service in
            let feed = try await service.client.get("/events?after=0&limit=1000")
            #expect(feed.status == .ok)
            #expect(feed.json["events"].count == 0)
            #expect(feed.json["nextPosition"].int == 0)
        }
    }
}
