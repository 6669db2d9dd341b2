import ServiceKit

@main
struct App {
    static func main() async throws {
        let runtime = ServiceRuntime.start(.inventory)
        try await runtime.run(router: buildRouter(runtime), handler: InventoryEventHandler())
    }
}
