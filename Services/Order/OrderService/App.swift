import ServiceKit

@main
struct App {
    static func main() async throws {
        let runtime = ServiceRuntime.start(.order, migrations: OrderSchema.migrations)
        try await runtime.run(router: buildRouter(runtime), handler: OrderEventHandler())
    }
}
