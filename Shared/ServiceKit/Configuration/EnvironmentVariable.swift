/// Every environment variable a service reads (contract section 6).
public enum EnvironmentVariable: String, CaseIterable, Sendable {
    case amqpURL = "AMQP_URL"
    case httpHost = "HTTP_HOST"
    case httpPort = "HTTP_PORT"
    case databasePath = "DATABASE_PATH"
    case adminToken = "ADMIN_TOKEN"
    case logLevel = "LOG_LEVEL"
    case logFormat = "LOG_FORMAT"
    case maxDeliveryAttempts = "MAX_DELIVERY_ATTEMPTS"
    case retryDelaysMilliseconds = "RETRY_DELAYS_MS"
    case sagaTimeoutSeconds = "SAGA_TIMEOUT_SECONDS"
    case sourceURLs = "SOURCE_URLS"
    /// Traces: set, spans are exported over OTLP/HTTP to this base URL; unset, tracing is off.
    case otlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT"
    case otlpProtocol = "OTEL_EXPORTER_OTLP_PROTOCOL"
    case otelServiceName = "OTEL_SERVICE_NAME"
}
