import ServiceKit
import Telemetry

@main
struct App {
    static func main() async throws {
        var runtime = ServiceRuntime.start(.payment)
        runtime.telemetry = Telemetry.bootstrapTracing(runtime.configuration, logger: runtime.logger)
        try await runtime.run(router: buildRouter(runtime), handler: PaymentEventHandler())
    }
}
