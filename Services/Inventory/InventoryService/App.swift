import ServiceKit
import Telemetry

@main
struct App {
    static func main() async throws {
        var runtime = ServiceRuntime.start(.inventory)
        runtime.telemetry = Telemetry.bootstrapTracing(runtime.configuration, logger: runtime.logger)
        try await runtime.run(router: buildRouter(runtime), handler: InventoryEventHandler())
    }
}
