import Hummingbird
import ServiceKit

/// The projection-service's HTTP surface: the shared operations routes, the read models, the
/// rebuild admin, the web console and its proxy to the sources' dead letters.
func buildRouter(_ runtime: ServiceRuntime, projection: Projection) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    ReadModelController(store: projection.store, lag: projection.lag).register(on: router)
    ConsoleController().register(on: router)
    let admin = router.group("admin").add(middleware: AdminAuthMiddleware(token: runtime.configuration.adminToken))
    RebuildController(rebuilds: projection.rebuilds).register(on: admin)
    SourceAdminProxy(sourceURLs: runtime.configuration.sourceURLs).register(on: admin)
    return router
}
