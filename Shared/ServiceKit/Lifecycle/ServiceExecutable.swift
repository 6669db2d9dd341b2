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
        var metricsFactory = PrometheusMetricsFactory(registry: metrics)
        // A saga takes milliseconds when all is well and up to its deadline (30 s by default) when not.
        metricsFactory.durationHistogramBuckets[SagaMetrics.durationLabel] = SagaMetrics.durationBuckets
        MetricsSystem.bootstrap(metricsFactory)
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
    /// - Parameter telemetry: the trace exporter's work, when the executable installed one: it
    ///   starts first and stops last, so the spans of the application's last moments are flushed.
    public func runUntilTerminated(telemetry: (any Service)? = nil) async throws {
        let telemetry: [ServiceGroupConfiguration.ServiceConfiguration] = telemetry.map { [.init(service: $0)] } ?? []
        var group = ServiceGroupConfiguration(
            services: telemetry + [.init(service: self), .init(service: ShutdownDeadline(limit: .seconds(15), logger: logger))],
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
