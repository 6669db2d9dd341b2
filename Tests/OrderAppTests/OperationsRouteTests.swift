import AppTestSupport
import HummingbirdTesting
import Testing

/// The routes order-service shares with every service.
@Suite struct OperationsRouteTests {
    @Test func healthIsUpReadyWaitsForTheBrokerAndMetricsArePrometheusText() async throws {
        try await OrderService.run { service in try await SharedRouteExpectations.expectOperationsRoutes(service.client) }
    }

    @Test func adminRoutesWantTheBearerToken() async throws {
        try await OrderService.run { service in
            try await SharedRouteExpectations.expectAdminGuard(service.client)
            try await SharedRouteExpectations.expectUnroutedAdminPathsGuarded(service.client)
        }
    }

    @Test func withoutAnAdminTokenAdminIsOff() async throws {
        try await OrderService.run(environment: ["ADMIN_TOKEN": ""]) { service in
            try await SharedRouteExpectations.expectAdminOff(service.client)
        }
    }

    @Test func anUnknownRouteIs404InTheErrorShape() async throws {
        try await OrderService.run { service in try await SharedRouteExpectations.expectUnknownRoute(service.client) }
    }
}
