import Hummingbird
import ServiceKit

/// The payment-service's HTTP surface: the shared operations routes plus accounts and payments.
func buildRouter(_ runtime: ServiceRuntime) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    AccountsController(database: runtime.database).register(on: router)
    PaymentsController(database: runtime.database).register(on: router)
    return router
}
