import ServiceKit
import Telemetry

@main
struct App {
    static func main() async throws {
        var runtime = ServiceRuntime.start(.order, migrations: OrderSchema.migrations)
        runtime.telemetry = Telemetry.bootstrapTracing(runtime.configuration, logger: runtime.logger)
        let deadlines = SagaDeadlineScanner(database: runtime.database, logger: runtime.logger)
        try await runtime.run(router: buildRouter(runtime), handler: OrderEventHandler(), extraServices: [deadlines])
    }
}
