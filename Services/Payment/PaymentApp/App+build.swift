import EventStore
import Hummingbird
import ServiceKit

/// Assembles the whole payment-service from `configuration`: its store, HTTP routes, outbox
/// relay and saga reactions. Nothing connects to the broker until the application runs, so a
/// test can build it on a temporary store and call its routes in-process.
/// - Throws: ``StartupFailure`` when the broker URL is invalid or the store cannot be opened.
public func buildApplication(configuration: ServiceConfiguration) async throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(configuration: configuration)
    return runtime.application(router: buildRouter(runtime), handler: PaymentReactions())
}

/// The payment-service's HTTP surface: the shared operations routes plus accounts and payments.
public func buildRouter(_ runtime: ServiceRuntime<EventStoreDatabase>) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    AccountsController(database: runtime.database).register(on: router)
    PaymentsController(database: runtime.database).register(on: router)
    return router
}
