import ServiceKit

@main
struct App {
    static func main() async throws {
        let runtime = ServiceRuntime.start(.projection, migrations: ReadModelSchema.migrations)
        let projection = await Projection.assemble(runtime)
        try await runtime.run(
            router: buildRouter(runtime, projection: projection),
            consumer: projection.consumer,
            extraServices: [projection.catchUp, projection.rebuilder]
        )
    }
}
