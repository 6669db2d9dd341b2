import ServiceKit

@main
struct App {
    static func main() async throws {
        let runtime = ServiceRuntime.start(.order, migrations: OrderSchema.migrations)
        let deadlines = SagaDeadlineScanner(database: runtime.database, logger: runtime.logger)
        try await runtime.run(router: buildRouter(runtime), handler: OrderEventHandler(), extraServices: [deadlines])
    }
}
