import Hummingbird
import ServiceKit

/// The projection-service's HTTP surface: the shared operations routes, the read models and the rebuild admin.
func buildRouter(_ runtime: ServiceRuntime, projection: Projection) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    ReadModelController(store: projection.store, lag: projection.lag).register(on: router)
    let admin = router.group("admin").add(middleware: AdminAuthMiddleware(token: runtime.configuration.adminToken))
    RebuildController(rebuilds: projection.rebuilds).register(on: admin)
    return router
}
