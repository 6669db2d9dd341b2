import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// What every service answers on the routes it shares (`/health`, `/ready`, `/metrics`, the admin
/// guard), checked the same way in each service's in-process suite.
public enum SharedRouteExpectations {
    /// `/health` is 200 while the process runs; `/ready` is 503 `not_ready` with no broker; `/metrics` is Prometheus text.
    public static func expectOperationsRoutes(_ client: any TestClientProtocol, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let health = try await client.get("/health")
        #expect(health.status == .ok, sourceLocation: sourceLocation)
        #expect(health.json["status"].string == "ok", sourceLocation: sourceLocation)

        let ready = try await client.get("/ready")
        expectContractError(ready, .serviceUnavailable, code: "not_ready", sourceLocation: sourceLocation)
        #expect(ready.json["error"]["message"].string?.contains("broker") == true, "says what is missing: \(ready.text)", sourceLocation: sourceLocation)

        let metrics = try await client.get("/metrics")
        #expect(metrics.status == .ok, sourceLocation: sourceLocation)
        #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true, "\(metrics.headers)", sourceLocation: sourceLocation)
    }

    /// `/admin/…` wants `Authorization: Bearer <ADMIN_TOKEN>`: 401 without it or with another.
    public static func expectAdminGuard(_ client: any TestClientProtocol, path: String = "/admin/dead-letters", sourceLocation: SourceLocation = #_sourceLocation) async throws {
        expectContractError(try await client.get(path), .unauthorized, code: "unauthorized", sourceLocation: sourceLocation)
        expectContractError(try await client.get(path, headers: .bearer("not-the-token")), .unauthorized, code: "unauthorized", sourceLocation: sourceLocation)
        expectContractError(try await client.get(path, headers: [.authorization: "Basic \(TestAdmin.token)"]), .unauthorized, code: "unauthorized", sourceLocation: sourceLocation)
        expectContractError(try await client.get(path, headers: .bearer(TestAdmin.token + "x")), .unauthorized, code: "unauthorized", sourceLocation: sourceLocation)
        let allowed = try await client.get(path, headers: .admin)
        #expect(allowed.status == .ok, "the configured token opens \(path): \(allowed.text)", sourceLocation: sourceLocation)
    }

    /// Every path under `/admin` wants the token before anything says whether it exists: without
    /// it, an admin path no route answers, a known path with another method and a path spelled
    /// with empty segments are 401 like a real route; with it, the unrouted ones are 404.
    public static func expectUnroutedAdminPathsGuarded(_ client: any TestClientProtocol, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let unrouted = ["/admin", "/admin/", "/admin/no-such-thing", "/admin/rebuild/slash/id", "/admin/dead-letters/a/b/c", "/admin//dead-letters"]
        for path in unrouted {
            expectContractError(try await client.get(path), .unauthorized, code: "unauthorized", sourceLocation: sourceLocation)
            expectContractError(try await client.execute(uri: path, method: .put, headers: .bearer("wrong")), .unauthorized, code: "unauthorized", sourceLocation: sourceLocation)
        }
        expectContractError(try await client.execute(uri: "/admin/dead-letters", method: .patch), .unauthorized, code: "unauthorized", sourceLocation: sourceLocation)
        for path in unrouted.dropLast() {
            expectContractError(try await client.get(path, headers: .admin), .notFound, code: "not_found", sourceLocation: sourceLocation)
        }
        // Empty segments are skipped as the router skips them: this is the listing, guarded and then answered.
        let doubled = try await client.get("/admin//dead-letters", headers: .admin)
        #expect(doubled.status == .ok, "\(doubled.text)", sourceLocation: sourceLocation)
        // Only the first segment counts: these are no admin paths.
        for path in ["/administrator", "/x/admin", "/Admin/dead-letters"] {
            expectContractError(try await client.get(path), .notFound, code: "not_found", sourceLocation: sourceLocation)
        }
    }

    /// With `ADMIN_TOKEN` unset, admin is off: 403 whatever the header.
    public static func expectAdminOff(_ client: any TestClientProtocol, path: String = "/admin/dead-letters", sourceLocation: SourceLocation = #_sourceLocation) async throws {
        expectContractError(try await client.get(path), .forbidden, code: "admin_disabled", sourceLocation: sourceLocation)
        expectContractError(try await client.get(path, headers: .admin), .forbidden, code: "admin_disabled", sourceLocation: sourceLocation)
        expectContractError(try await client.get("/admin/no-such-thing", headers: .admin), .forbidden, code: "admin_disabled", sourceLocation: sourceLocation)
    }

    /// An unknown route is a 404 in the contract's shape.
    public static func expectUnknownRoute(_ client: any TestClientProtocol, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        expectContractError(try await client.get("/no-such-route"), .notFound, code: "not_found", sourceLocation: sourceLocation)
    }
}

extension HTTPFields {
    /// The bearer token ``withTemporaryConfiguration(_:environment:_:)`` configures.
    public static var admin: HTTPFields { .bearer(TestAdmin.token) }
}
