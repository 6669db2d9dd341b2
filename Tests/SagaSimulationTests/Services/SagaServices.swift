import Contracts
import EventStore
import Foundation
@testable import InventoryApp
@testable import OrderApp
@testable import PaymentApp
import ServiceKit

/// The real services, wired for the simulation: each on its own SQLite file in `directory`,
/// built the way their executables build them, never connected to a broker.
enum SagaServices {
    /// The saga timeout order-service is configured with (time only passes when a step says so).
    static let sagaTimeoutSeconds = 30

    static func participants(in directory: URL) throws -> (services: [ServiceName: SimulatedParticipant], projection: SimulatedProjection) {
        let order = SimulatedParticipant(.order, configuration: try configuration(.order, in: directory), handler: OrderReactions()) {
            let runtime = try ServiceRuntime(configuration: $0, migrations: OrderSchema.migrations)
            return (runtime, OrderApp.buildRouter(runtime))
        }
        let payment = SimulatedParticipant(.payment, configuration: try configuration(.payment, in: directory), handler: PaymentReactions()) {
            let runtime = try ServiceRuntime(configuration: $0)
            return (runtime, PaymentApp.buildRouter(runtime))
        }
        let inventory = SimulatedParticipant(.inventory, configuration: try configuration(.inventory, in: directory), handler: InventoryReactions()) {
            let runtime = try ServiceRuntime(configuration: $0)
            return (runtime, InventoryApp.buildRouter(runtime))
        }
        let projection = SimulatedProjection(configuration: try configuration(.projection, in: directory))
        return ([.order: order, .payment: payment, .inventory: inventory], projection)
    }

    /// The service's configuration as its environment would give it: its store in `directory`,
    /// a broker URL nothing listens on (nothing connects), quiet logs.
    static func configuration(_ service: ServiceName, in directory: URL) throws -> ServiceConfiguration {
        var environment = [
            EnvironmentVariable.databasePath.rawValue: directory.appendingPathComponent("\(service.rawValue).sqlite").path,
            EnvironmentVariable.amqpURL.rawValue: "amqp://guest:guest@127.0.0.1:1/",
            EnvironmentVariable.httpPort.rawValue: "0",
            EnvironmentVariable.adminToken.rawValue: "simulation-admin-token",
            EnvironmentVariable.logLevel.rawValue: "critical",
            EnvironmentVariable.sagaTimeoutSeconds.rawValue: String(sagaTimeoutSeconds),
        ]
        if service == .projection {
            // Never requested: the simulation reads the source stores' feeds in-process.
            environment[EnvironmentVariable.sourceURLs.rawValue] = "http://127.0.0.1:1,http://127.0.0.1:1,http://127.0.0.1:1"
        }
        return try ServiceConfiguration(service: service, environment: environment)
    }

    /// order-service's deadline scanner, run once at `now`: the orders it cancelled (reason `timeout`).
    static func expireSagaDeadlines(_ runtime: ServiceRuntime<EventStoreDatabase>, now: Date) async throws -> [String] {
        try await SagaDeadlineScanner(database: runtime.database, logger: runtime.logger).expireDueSagas(now: now)
    }
}
