import ServiceKit
import Telemetry

@main
struct App {
    static func main() async throws {
        var runtime = ServiceRuntime.start(.projection, migrations: ReadModelSchema.migrations)
        runtime.telemetry = Telemetry.bootstrapTracing(runtime.configuration, logger: runtime.logger)
        let projection = await Projection.assemble(runtime)
        try await runtime.run(
            router: buildRouter(runtime, projection: projection),
            consumer: projection.consumer,
            extraServices: [projection.catchUp, projection.rebuilder]
        )
    }
}
