import Contracts
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// What a service's executable does around its application, and only it: reads the
/// configuration, installs the process-wide logging and metrics, runs until SIGTERM or SIGINT,
/// and exits with a one-line reason when the service cannot start.
public enum ServiceExecutable {
    /// The registry `/metrics` answers from; ``bootstrap(_:)`` makes it the process's metrics backend.
    public static let metrics = PrometheusCollectorRegistry()

    /// Reads `service`'s configuration from the environment, exiting with a one-line reason when
    /// it is invalid, and installs logging and metrics for the process.
    public static func configure(_ service: ServiceName) -> ServiceConfiguration {
        let configuration: ServiceConfiguration
        do {
            configuration = try ServiceConfiguration(service: service)
        } catch {
            exitWithReason("\(service.rawValue): \(error)")
        }
        bootstrap(configuration)
        return configuration
    }

    /// Installs the process-wide logging backend (level and format from `configuration`) and
    /// ``metrics`` as the metrics backend. Call it once, before building the application.
    public static func bootstrap(_ configuration: ServiceConfiguration) {
        LoggingSystem.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
    }

    /// The application `build` assembles; exits with its one-line reason on a ``StartupFailure``.
    public static func built<App: ApplicationProtocol>(_ build: @Sendable () async throws -> App) async throws -> App {
        do {
            return try await build()
        } catch let failure as StartupFailure {
            exitWithReason(failure.reason)
        }
    }
}

/// Why a service cannot start (an invalid setting, a store that cannot be opened), in one line.
public struct StartupFailure: Error, CustomStringConvertible {
    /// The line printed before the process exits, starting with the service's name.
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

extension ApplicationProtocol {
    /// Runs the application until SIGTERM or SIGINT, then shuts it down gracefully.
    ///
    /// Graceful shutdown normally takes milliseconds. When something hangs in it anyway (a
    /// broker that stopped reading), it is escalated to cancellation after 10 s, and the
    /// process exits after 15 s in any case (below the 20 s an orchestrator typically allows).
    public func runUntilTerminated() async throws {
        var group = ServiceGroupConfiguration(
            services: [.init(service: self), .init(service: ShutdownDeadline(limit: .seconds(15), logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(10)
        try await ServiceGroup(configuration: group).run()
        logger.info("Stopped")
    }
}

/// Prints `reason` on one line to standard error and exits with status 2.
public func exitWithReason(_ reason: String) -> Never {
    FileHandle.standardError.write(Data((reason + "\n").utf8))
    exit(2)
}
