import Hummingbird
import ServiceKit

/// Assembles the whole projection-service from `configuration`: its control store, the active
/// read store, HTTP routes, the consumer of its queue, catch-up and rebuilds. Nothing connects
/// to the broker or the source feeds until the application runs, so a test can build it on a
/// temporary store and call its routes in-process.
/// - Throws: ``StartupFailure`` when `SOURCE_URLS` does not name the three feeds, the broker URL
///   is invalid, or a store cannot be opened.
public func buildApplication(configuration: ServiceConfiguration) async throws -> some ApplicationProtocol {
    let runtime = try ServiceRuntime(configuration: configuration, migrations: ReadModelSchema.migrations)
    let projection = try await Projection.assemble(runtime)
    return runtime.application(
        router: buildRouter(runtime, projection: projection),
        consumer: projection.consumer,
        extraServices: [projection.catchUp, projection.rebuilder]
    )
}

/// The projection-service's HTTP surface: the shared operations routes, the read models, the
/// rebuild admin, the web console and its proxy to the sources' dead letters.
public func buildRouter(_ runtime: ServiceRuntime, projection: Projection) -> Router<BasicRequestContext> {
    let router = runtime.makeRouter()
    ReadModelController(store: projection.store, lag: projection.lag).register(on: router)
    ConsoleController().register(on: router)
    let admin = router.group("admin")  // guarded by the router: ServiceRuntime.makeRouter()
    RebuildController(rebuilds: projection.rebuilds).register(on: admin)
    SourceAdminProxy(sourceURLs: runtime.configuration.sourceURLs).register(on: admin)
    return router
}
