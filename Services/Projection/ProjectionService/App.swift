import ServiceKit

@main
struct App {
    static func main() async throws {
        let runtime = ServiceRuntime.start(.projection, migrations: ReadModelSchema.migrations)
        try await runtime.run(router: buildRouter(runtime), handler: ProjectionEventHandler())
    }
}
