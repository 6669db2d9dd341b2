import Hummingbird
import ServiceKit

/// The order-service's HTTP surface: the shared operations routes plus the orders API.
func buildRouter(_ runtime: ServiceRuntime) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    OrdersController(database: runtime.database, sagaTimeout: .seconds(runtime.configuration.sagaTimeoutSeconds)).register(on: router)
    return router
}
