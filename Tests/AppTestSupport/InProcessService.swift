import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit

/// Builds `service` with `build` on a temporary store (``withTemporaryConfiguration(_:environment:_:)``)
/// and runs `test` against its routes in-process (`app.test(.router)`): no port, no broker.
/// - Parameters:
///   - environment: more variables over the defaults, e.g. `["ADMIN_TOKEN": ""]` to turn admin off.
///   - test: gets the client and the configuration, whose `databasePath` is the service's store.
public func withInProcessService<App: ApplicationProtocol>(
    _ service: ServiceName, environment: [String: String] = [:],
    build: (ServiceConfiguration) async throws -> App,
    _ test: @Sendable (any TestClientProtocol, ServiceConfiguration) async throws -> Void
) async throws {
    var quiet = [EnvironmentVariable.logLevel.rawValue: "critical"]
    // Feeds nothing listens on: a catch-up never reads another process's events into the test's store.
    if service == .projection { quiet[EnvironmentVariable.sourceURLs.rawValue] = Array(repeating: "http://127.0.0.1:1", count: 3).joined(separator: ",") }
    quiet.merge(environment) { _, override in override }
    try await withTemporaryConfiguration(service, environment: quiet) { configuration in
        let app = try await build(configuration)
        try await app.test(.router) { client in try await test(client, configuration) }
    }
}
