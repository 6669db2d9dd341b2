import Logging
import OTel
import ServiceKit
import ServiceLifecycle
import Tracing

/// Process-wide telemetry beyond logs and Prometheus metrics: OpenTelemetry traces.
public enum Telemetry {
    /// Installs the OTLP/HTTP trace exporter when `configuration.tracing` is set, and returns its
    /// background work (batching, export, the flush at shutdown) to run with the service; `nil`
    /// when tracing is off, and then nothing is installed and nothing runs.
    ///
    /// Call once, from the executable, after ``ServiceExecutable/configure(_:)`` (logging is
    /// installed) and before the application is built; run what it returns with the application
    /// (`runUntilTerminated(telemetry:)`). Logs and metrics stay as they are (standard error and
    /// `/metrics`). An exporter that cannot be built stops the process with a one-line reason,
    /// like any invalid configuration.
    public static func bootstrapTracing(_ configuration: ServiceConfiguration) -> (any Service)? {
        guard let tracing = configuration.tracing else { return nil }
        var logger = Logger(label: configuration.service.rawValue)
        logger.logLevel = configuration.logLevel
        var otel = OTel.Configuration.default
        otel.serviceName = tracing.serviceName
        otel.logs.enabled = false
        otel.metrics.enabled = false
        otel.diagnosticLogger = .custom(logger)
        otel.traces.exporter = .otlp
        otel.traces.otlpExporter.protocol = switch tracing.wireProtocol {
        case .protobuf: .httpProtobuf
        case .json: .httpJSON
        }
        do {
            // The OTEL_* variables (endpoint, sampler, batch delays, headers) are applied on top.
            let backend = try OTel.makeTracingBackend(configuration: otel)
            InstrumentationSystem.bootstrap(backend.factory)
            logger.info("Exporting traces", metadata: [
                "otel.endpoint": "\(tracing.endpoint)", "otel.protocol": "\(tracing.wireProtocol.rawValue)",
                "otel.service_name": "\(tracing.serviceName)",
            ])
            return backend.service
        } catch {
            exitWithReason("\(configuration.service.rawValue): cannot export traces to \(tracing.endpoint): \(error)")
        }
    }
}
