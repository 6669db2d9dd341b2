/// Where and how a service exports its spans (OpenTelemetry's OTLP over HTTP).
///
/// Read from the variables OpenTelemetry defines, so the usual collector setups work unchanged;
/// the exporter itself also honours the other `OTEL_*` variables it knows (sampler, batch
/// delays, headers). Tracing exists only when an endpoint is set.
public struct TracingSettings: Sendable, Equatable {
    /// How spans are encoded on the wire.
    public enum WireProtocol: String, Sendable {
        /// `http/protobuf`, OpenTelemetry's default.
        case protobuf = "http/protobuf"
        /// `http/json`.
        case json = "http/json"
    }

    /// The collector's base URL (`http://collector:4318`); spans go to `<endpoint>/v1/traces`.
    public var endpoint: String
    public var wireProtocol: WireProtocol
    /// The `service.name` resource attribute of every span.
    public var serviceName: String

    /// `nil` when `endpoint` is `nil`: tracing is off.
    /// - Throws: ``ConfigurationError`` for an endpoint that is not an http(s) URL or a protocol
    ///   this build cannot speak (gRPC is not built in).
    init?(endpoint: String?, protocol wireProtocol: String?, serviceName: String) throws(ConfigurationError) {
        guard let endpoint else { return nil }
        guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://"), endpoint.count > "https://".count else {
            throw ConfigurationError(.otlpEndpoint, "must be an http:// or https:// URL, got \"\(endpoint)\"")
        }
        let name = wireProtocol ?? WireProtocol.protobuf.rawValue
        guard let parsed = WireProtocol(rawValue: name.lowercased()) else {
            throw ConfigurationError(.otlpProtocol, "must be http/protobuf or http/json (gRPC is not built in), got \"\(name)\"")
        }
        self.endpoint = endpoint
        self.wireProtocol = parsed
        self.serviceName = serviceName
    }
}
