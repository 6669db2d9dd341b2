import Hummingbird
import ServiceKit

/// The inventory-service's HTTP surface: the shared operations routes, products, and the operator's stock corrections.
func buildRouter(_ runtime: ServiceRuntime) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    ProductsController(database: runtime.database).register(on: router)
    let admin = router.group("/admin").add(middleware: AdminAuthMiddleware(token: runtime.configuration.adminToken))
    StockCorrectionsController(database: runtime.database).register(on: admin)
    return router
}
