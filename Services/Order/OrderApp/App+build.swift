import EventStore
import Hummingbird
import ServiceKit

/// Assembles the whole order-service from `configuration`: its store, HTTP routes, outbox relay,
/// saga reactions and saga deadline scanner. Nothing connects to the broker until the
/// application runs, so a test can build it on a temporary store and call its routes in-process.
/// - Throws: ``StartupFailure`` when the broker URL is invalid or the store cannot be opened.
public func buildApplication(configuration: ServiceConfiguration) async throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(configuration: configuration, migrations: OrderSchema.migrations)
    let deadlines = SagaDeadlineScanner(database: runtime.database, logger: runtime.logger)
    return runtime.application(router: buildRouter(runtime), handler: OrderReactions(), extraServices: [deadlines])
}

/// The order-service's HTTP surface: the shared operations routes plus the orders API.
public func buildRouter(_ runtime: ServiceRuntime<EventStoreDatabase>) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    OrdersController(database: runtime.database, sagaTimeout: .seconds(runtime.configuration.sagaTimeoutSeconds)).register(on: router)
    return router
}
