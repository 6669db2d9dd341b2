import AppTestSupport
import Foundation
@testable import ProjectionApp
import HummingbirdTesting
import Testing

/// `POST /admin/rebuild` and the rebuilds' statuses. The rebuild itself (reading every feed into
/// a new store and switching to it) runs in the service's background and is shown by the scenario
/// suite; here no rebuilder runs, so an accepted rebuild stays running.
@Suite struct RebuildRouteTests {
    @Test func aRebuildIsAcceptedWithItsLocationAndCanBeFollowed() async throws {
        try await ProjectionService.run { service in
            let accepted = try await service.client.post("/admin/rebuild", headers: .admin)

            #expect(accepted.status == .accepted)
            let id = try #require(accepted.json["rebuildId"].string)
            #expect(accepted.headers[.location] == "/admin/rebuild/\(id)")
            #expect(accepted.json["status"].string == "running")
            #expect(accepted.json["phase"].string == "catching_up")

            let status = try await service.client.get("/admin/rebuild/\(id)", headers: .admin)
            #expect(status.status == .ok)
            #expect(status.json["rebuildId"].string == id)
            let all = try await service.client.get("/admin/rebuild", headers: .admin)
            #expect(all.json["rebuilds"].array?.compactMap { $0["rebuildId"].string } == [id])
        }
    }

    @Test func aSecondRebuildWhileOneRunsIs409() async throws {
        try await ProjectionService.run { service in
            let first = try await service.client.post("/admin/rebuild", headers: .admin)

            let second = try await service.client.post("/admin/rebuild", headers: .admin)

            expectContractError(second, .conflict, code: "rebuild_running")
            #expect(second.json["error"]["message"].string?.contains(first.json["rebuildId"].string ?? "?") == true, "names the running one")
        }
    }

    @Test func noRebuildsYetIsAnEmptyListAndAnUnknownOneIs404() async throws {
        try await ProjectionService.run { service in
            #expect(try await service.client.get("/admin/rebuild", headers: .admin).json["rebuilds"].count == 0)
            expectContractError(try await service.client.get("/admin/rebuild/no-such-rebuild", headers: .admin), .notFound, code: "not_found")
        }
    }

    @Test func rebuildsNeedTheAdminToken() async throws {
        try await ProjectionService.run { service in
            expectContractError(try await service.client.post("/admin/rebuild"), .unauthorized, code: "unauthorized")
            try await SharedRouteExpectations.expectAdminGuard(service.client, path: "/admin/rebuild")
            #expect(try await service.client.get("/admin/rebuild", headers: .admin).json["rebuilds"].count == 0, "a refused request starts nothing")
        }
    }

    @Test func withoutAnAdminTokenRebuildsAreOff() async throws {
        try await ProjectionService.run(environment: ["ADMIN_TOKEN": ""]) { service in
            expectContractError(try await service.client.post("/admin/rebuild", headers: .admin), .forbidden, code: "admin_disabled")
        }
    }
}
