import AppTestSupport
@testable import ProjectionApp
import HummingbirdTesting
import Testing

/// The routes projection-service shares with every service, on the application `buildApplication` assembles.
@Suite struct ProjectionOperationsRouteTests {
    @Test func healthIsUpReadyWaitsForTheBrokerAndMetricsArePrometheusText() async throws {
        try await withInProcessService(.projection, build: buildApplication) { client, _ in
            try await SharedRouteExpectations.expectOperationsRoutes(client)
        }
    }

    @Test func adminRoutesWantTheBearerToken() async throws {
        try await withInProcessService(.projection, build: buildApplication) { client, _ in
            try await SharedRouteExpectations.expectAdminGuard(client)
            try await SharedRouteExpectations.expectUnroutedAdminPathsGuarded(client)
        }
    }

    @Test func theProjectionServesNoEventFeed() async throws {
        try await withInProcessService(.projection, build: buildApplication) { client, _ in
            expectContractError(try await client.get("/events"), .notFound, code: "not_found")
            expectContractError(try await client.get("/admin/outbox/set-aside", headers: .admin), .notFound, code: "not_found")
        }
    }

    @Test func anUnknownRouteIs404InTheErrorShape() async throws {
        try await withInProcessService(.projection, build: buildApplication) { client, _ in
            try await SharedRouteExpectations.expectUnknownRoute(client)
        }
    }
}
