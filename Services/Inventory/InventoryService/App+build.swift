import Hummingbird
import ServiceKit

/// The inventory-service's HTTP surface: the shared operations routes plus products.
func buildRouter(_ runtime: ServiceRuntime) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    ProductsController(database: runtime.database).register(on: router)
    return router
}
