import Testing
@testable import ServiceKit

/// Tracing is configured by OpenTelemetry's variables and is off unless an endpoint is set.
@Suite struct TracingConfigurationTests {
    @Test func withoutAnEndpointTracingIsOff() throws {
        let configuration = try ServiceConfiguration(service: .order, environment: [:])
        #expect(configuration.tracing == nil)
        let empty = try ServiceConfiguration(service: .order, environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": ""])
        #expect(empty.tracing == nil, "an empty variable counts as unset")
    }

    @Test func anEndpointTurnsTracingOnWithProtobufAndTheServiceNameByDefault() throws {
        let configuration = try ServiceConfiguration(
            service: .payment, environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"])
        let tracing = try #require(configuration.tracing)
        #expect(tracing.endpoint == "http://collector:4318")
        #expect(tracing.wireProtocol == .protobuf)
        #expect(tracing.serviceName == "payment-service")
    }

    @Test func theProtocolAndServiceNameCanBeChosen() throws {
        let configuration = try ServiceConfiguration(service: .inventory, environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector.example:4318",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "HTTP/JSON",
            "OTEL_SERVICE_NAME": "stock",
        ])
        #expect(configuration.tracing?.wireProtocol == .json)
        #expect(configuration.tracing?.serviceName == "stock")
    }

    @Test(arguments: ["collector:4318", "ftp://collector", "http://", "4318"])
    func anEndpointThatIsNotAnHTTPURLIsRefused(_ endpoint: String) {
        #expect {
            try ServiceConfiguration(service: .order, environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": endpoint])
        } throws: { error in
            (error as? ConfigurationError)?.variable == .otlpEndpoint
        }
    }

    @Test(arguments: ["grpc", "http", "json", "http/thrift"])
    func aProtocolThisBuildCannotSpeakIsRefused(_ wireProtocol: String) {
        #expect {
            try ServiceConfiguration(service: .order, environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": wireProtocol,
            ])
        } throws: { error in
            (error as? ConfigurationError)?.variable == .otlpProtocol
        }
    }
}
