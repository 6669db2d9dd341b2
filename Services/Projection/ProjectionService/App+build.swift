import Hummingbird
import ServiceKit

/// The projection-service's HTTP surface: the shared operations routes plus the read models.
func buildRouter(_ runtime: ServiceRuntime) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    ReadModelController(database: runtime.database).register(on: router)
    return router
}
