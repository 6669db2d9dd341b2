import Hummingbird
import Prometheus

/// `/health`, `/ready` and `/metrics`: what an operator and an orchestrator poll.
public struct OperationsController<Context: RequestContext>: Sendable {
    let notReadyReason: @Sendable () -> String?
    let registry: PrometheusCollectorRegistry
    let beforeScrape: @Sendable () async -> Void

    /// - Parameter notReadyReason: why the service cannot serve right now (`/ready` is then 503
    ///   with it as the message), or nil when it is ready.
    /// - Parameter beforeScrape: brings gauges that are read rather than counted up to date
    ///   before `/metrics` answers.
    public init(
        registry: PrometheusCollectorRegistry, notReadyReason: @escaping @Sendable () -> String?,
        beforeScrape: @escaping @Sendable () async -> Void = {}
    ) {
        self.registry = registry
        self.notReadyReason = notReadyReason
        self.beforeScrape = beforeScrape
    }

    public func register(on router: Router<Context>) {
        router.get("/health") { _, _ in JSONResponse(.ok, ["status": "ok"]) }
        router.get("/ready") { _, _ in
            if let reason = notReadyReason() {
                throw APIError(.serviceUnavailable, code: "not_ready", message: reason)
            }
            return JSONResponse(.ok, ["status": "ready"])
        }
        router.get("/metrics") { _, _ in
            await beforeScrape()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
