import Hummingbird
import ServiceKit

/// Assembles the whole inventory-service from `configuration`: its store, HTTP routes, outbox
/// relay and saga reactions. Nothing connects to the broker until the application runs, so a
/// test can build it on a temporary store and call its routes in-process.
/// - Throws: ``StartupFailure`` when the broker URL is invalid or the store cannot be opened.
public func buildApplication(configuration: ServiceConfiguration) async throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(configuration: configuration)
    return runtime.application(router: buildRouter(runtime), handler: InventoryReactions())
}

/// The inventory-service's HTTP surface: the shared operations routes, products, and the operator's stock corrections.
public func buildRouter(_ runtime: ServiceRuntime) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    ProductsController(database: runtime.database).register(on: router)
    let admin = router.group("admin")  // guarded by the router: ServiceRuntime.makeRouter()
    StockCorrectionsController(database: runtime.database).register(on: admin)
    return router
}
