import Hummingbird
import Prometheus

/// `/health`, `/ready` and `/metrics`: what an operator and an orchestrator poll.
public struct OperationsController<Context: RequestContext>: Sendable {
    let isReady: @Sendable () -> Bool
    let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry, isReady: @escaping @Sendable () -> Bool) {
        self.registry = registry
        self.isReady = isReady
    }

    public func register(on router: Router<Context>) {
        router.get("/health") { _, _ in JSONResponse(.ok, ["status": "ok"]) }
        router.get("/ready") { _, _ in
            guard isReady() else {
                throw APIError(.serviceUnavailable, code: "not_ready", message: "The store or the broker connection is not up yet.")
            }
            return JSONResponse(.ok, ["status": "ready"])
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
