import Contracts
import Foundation
import Logging

/// A service's settings, read from the environment (contract section 6) and checked once at start.
public struct ServiceConfiguration: Sendable {
    public var service: ServiceName
    public var amqpURL: String
    public var httpHost: String
    public var httpPort: Int
    public var databasePath: String
    /// `nil` turns the admin endpoints off (403).
    public var adminToken: String?
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var maxDeliveryAttempts: Int
    public var retryDelaysMilliseconds: [Int]
    public var sagaTimeoutSeconds: Int
    public var sourceURLs: [String]
    /// Where spans are exported; `nil` (no `OTEL_EXPORTER_OTLP_ENDPOINT`) turns tracing off entirely.
    public var tracing: TracingSettings?
    /// Whether the application runs its long-running parts besides HTTP: broker connections,
    /// outbox relay, consumer, dead-letter keeper, store probe and the service's own scanners.
    /// Not read from the environment: an in-process test turns it off to call the routes with
    /// nothing connecting anywhere.
    public var runsBackgroundServices = true

    /// How log lines are written.
    public enum LogFormat: String, Sendable {
        case text, json
    }

    /// Reads and validates every variable.
    /// - Throws: ``ConfigurationError`` naming the first invalid variable and why.
    public init(service: ServiceName, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment: environment)
        self.service = service
        let url = reader.string(.amqpURL) ?? "amqp://guest:guest@127.0.0.1:5672/"
        guard url.hasPrefix("amqp://") else {
            // Only the scheme: the rest may carry a password, and this line goes to the logs.
            let scheme = url.range(of: "://").map { "the scheme \"\(url[..<$0.lowerBound])\"" } ?? "no scheme"
            throw ConfigurationError(.amqpURL, "must be an amqp:// URL, got \(scheme)")
        }
        amqpURL = url
        httpHost = reader.string(.httpHost) ?? "127.0.0.1"
        httpPort = try reader.integer(.httpPort, in: 0...65535) ?? service.defaultPort
        databasePath = reader.string(.databasePath) ?? "./data/\(service.rawValue).sqlite"
        adminToken = reader.string(.adminToken)
        let level = reader.string(.logLevel) ?? "info"
        guard let logLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw ConfigurationError(.logLevel, "must be one of trace, debug, info, notice, warning, error, critical; got \"\(level)\"")
        }
        self.logLevel = logLevel
        let format = reader.string(.logFormat) ?? "text"
        guard let logFormat = LogFormat(rawValue: format.lowercased()) else {
            throw ConfigurationError(.logFormat, "must be text or json, got \"\(format)\"")
        }
        self.logFormat = logFormat
        maxDeliveryAttempts = try reader.integer(.maxDeliveryAttempts, in: 1...100) ?? 5
        retryDelaysMilliseconds = try reader.integerList(.retryDelaysMilliseconds, in: 1...86_400_000) ?? [200, 1000, 5000, 30000]
        sagaTimeoutSeconds = try reader.integer(.sagaTimeoutSeconds, in: 1...86_400) ?? 30
        sourceURLs = reader.string(.sourceURLs).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? ["http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083"]
        for url in sourceURLs where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ConfigurationError(.sourceURLs, "must be comma-separated http:// URLs, got \"\(url)\"")
        }
        tracing = try TracingSettings(
            endpoint: reader.string(.otlpEndpoint), protocol: reader.string(.otlpProtocol),
            serviceName: reader.string(.otelServiceName) ?? service.rawValue
        )
    }
}

/// An invalid environment variable, with a one-line reason.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var variable: EnvironmentVariable
    public var reason: String

    init(_ variable: EnvironmentVariable, _ reason: String) {
        self.variable = variable
        self.reason = reason
    }

    public var description: String { "invalid configuration: \(variable.rawValue) \(reason)" }
}

private struct EnvironmentReader {
    var environment: [String: String]

    /// The value, or `nil` when unset or empty.
    func string(_ variable: EnvironmentVariable) -> String? {
        guard let value = environment[variable.rawValue], !value.isEmpty else { return nil }
        return value
    }

    func integer(_ variable: EnvironmentVariable, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = string(variable) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(variable, "must be an integer from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    func integerList(_ variable: EnvironmentVariable, in range: ClosedRange<Int>) throws(ConfigurationError) -> [Int]? {
        guard let text = string(variable) else { return nil }
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map(range.contains) == true }) else {
            throw ConfigurationError(variable, "must be comma-separated integers from \(range.lowerBound) to \(range.upperBound), got \"\(text)\"")
        }
        return values.compactMap { $0 }
    }
}
