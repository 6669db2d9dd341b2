import AppTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import ProjectionApp
import ServiceKit
import Testing

/// The console's files and the proxy to the sources' dead letters, called in-process.
/// (The whole console in a browser against the running system: `make console-test`.)
@Suite struct ConsoleRoutesTests {
    /// Sources on a port nothing listens on: whatever the proxy forwards finds no one.
    static let silentSources = ["SOURCE_URLS": "http://127.0.0.1:1,http://127.0.0.1:1,http://127.0.0.1:1"]
    static let bearer: HTTPFields = [.authorization: "Bearer \(TestAdmin.token)"]

    @Test func theConsolePageIsServedFromTheBinaryWithAPolicyThatAllowsOnlyItsOrigin() async throws {
        try await withTemporaryConfiguration(.projection) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let page = try await client.execute(uri: "/console", method: .get)
                #expect(page.status == .ok)
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: page.body).contains("<title>Saga console</title>"))
                let policy = try #require(page.headers[.contentSecurityPolicy])
                #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"))
                #expect(page.headers[.xContentTypeOptions] == "nosniff")

                let script = try await client.execute(uri: "/console/console.js", method: .get)
                #expect(script.status == .ok)
                #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            }
        }
    }

    @Test func aFileTheConsoleDoesNotHaveIs404InTheErrorShape() async throws {
        try await withTemporaryConfiguration(.projection) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                for uri in ["/console/nope.js", "/console/..%2FPackage.swift"] {
                    let response = try await client.execute(uri: uri, method: .get)
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(try ErrorBody(Data(buffer: response.body)).error.code == "not_found")
                }
            }
        }
    }

    @Test func theDeadLetterProxyForwardsNothingWithoutTheAdminToken() async throws {
        try await withTemporaryConfiguration(.projection, environment: Self.silentSources) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"]] {
                    let response = try await client.execute(uri: "/admin/services/order-service/dead-letters", method: .get, headers: headers)
                    #expect(response.status == .unauthorized)
                    #expect(try ErrorBody(Data(buffer: response.body)).error.code == "unauthorized")
                }
            }
        }
    }

    @Test func theDeadLetterProxyReachesOnlyTheThreeSources() async throws {
        try await withTemporaryConfiguration(.projection, environment: Self.silentSources) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                for service in ["projection-service", "rabbitmq", "order-service%2F..", "ORDER-SERVICE"] {
                    let response = try await client.execute(uri: "/admin/services/\(service)/dead-letters", method: .get, headers: Self.bearer)
                    #expect(response.status == .notFound, "\(service)")
                    #expect(try ErrorBody(Data(buffer: response.body)).error.code == "not_found")
                }
            }
        }
    }

    @Test func anIdBreakingTheIdRuleIsRefusedBeforeAnythingIsForwarded() async throws {
        try await withTemporaryConfiguration(.projection, environment: Self.silentSources) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let long = String(repeating: "x", count: 129)
                let response = try await client.execute(uri: "/admin/services/payment-service/dead-letters/\(long)/replay", method: .post, headers: Self.bearer)
                #expect(response.status == .badRequest)
                #expect(try ErrorBody(Data(buffer: response.body)).error.code == "invalid_id")
            }
        }
    }

    @Test func aSourceThatDoesNotAnswerIs502SourceUnavailable() async throws {
        try await withTemporaryConfiguration(.projection, environment: Self.silentSources) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/admin/services/inventory-service/dead-letters?reason=malformed", method: .delete, headers: Self.bearer)
                #expect(response.status == .badGateway)
                let error = try ErrorBody(Data(buffer: response.body)).error
                #expect(error.code == "source_unavailable")
                #expect(error.message.hasPrefix("inventory-service did not answer DELETE /admin/dead-letters"))
            }
        }
    }
}
