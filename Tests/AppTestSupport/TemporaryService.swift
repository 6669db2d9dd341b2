import Contracts
import Foundation
import ServiceKit

/// Runs `body` with `service`'s configuration on a fresh SQLite file in its own temporary
/// directory, removed afterwards. The application built from it runs no background services
/// (``ServiceConfiguration/runsBackgroundServices``), and its broker URL points at a port
/// nothing listens on: nothing connects anywhere.
/// - Parameter environment: more variables, over the defaults (an admin token, port 0).
@discardableResult
public func withTemporaryConfiguration<T>(
    _ service: ServiceName, environment: [String: String] = [:], _ body: (ServiceConfiguration) async throws -> T
) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(service.rawValue)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var variables = [
        EnvironmentVariable.databasePath.rawValue: directory.appendingPathComponent("\(service.rawValue).sqlite").path,
        EnvironmentVariable.httpPort.rawValue: "0",
        EnvironmentVariable.adminToken.rawValue: TestAdmin.token,
        EnvironmentVariable.amqpURL.rawValue: "amqp://guest:guest@127.0.0.1:1/",
    ]
    variables.merge(environment) { _, override in override }
    var configuration = try ServiceConfiguration(service: service, environment: variables)
    configuration.runsBackgroundServices = false
    return try await body(configuration)
}

/// The admin token ``withTemporaryConfiguration(_:environment:_:)`` configures.
public enum TestAdmin {
    public static let token = "test-admin-token"
}

/// The contract's error body, `{"error":{"code","message"}}`.
public struct ErrorBody: Decodable, Sendable {
    public struct Detail: Decodable, Sendable {
        public var code: String
        public var message: String
    }

    public var error: Detail

    /// Decodes `data` as the contract's error shape.
    public init(_ data: Data) throws {
        self = try JSONDecoder().decode(ErrorBody.self, from: data)
    }
}
