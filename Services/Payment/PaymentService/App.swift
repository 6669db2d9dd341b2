import ServiceKit

@main
struct App {
    static func main() async throws {
        let runtime = ServiceRuntime.start(.payment)
        try await runtime.run(router: buildRouter(runtime), handler: PaymentEventHandler())
    }
}
