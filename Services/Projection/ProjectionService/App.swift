import ProjectionApp
import ServiceKit
import Telemetry

/// The projection-service executable: reads its configuration from the environment and runs until SIGTERM or SIGINT.
@main
struct App {
    static func main() async throws {
        let configuration = ServiceExecutable.configure(.projection)
        let telemetry = Telemetry.bootstrapTracing(configuration)
        let app = try await ServiceExecutable.built { try await buildApplication(configuration: configuration) }
        try await app.runUntilTerminated(telemetry: telemetry)
    }
}
