import Contracts
import EventStore
import Foundation
@testable import ProjectionApp
import ServiceKit

/// projection-service as the simulation runs it: its real read store, filled through its real
/// batch application (``ProjectionStore/apply(_:)``) from pages of the sources' feeds, read
/// straight from the source stores with the query the feed endpoint serves
/// (``EventStoreReading/events(after:limit:)``), and its real read routes.
///
/// Its queue consumer (a delivery is a notification checked against the feed) is not run: the
/// catch-up path alone is, which is the one the projection's convergence rests on.
final class SimulatedProjection {
    let configuration: ServiceConfiguration
    private(set) var runtime: ServiceRuntime<ReadModelDatabase>?
    private(set) var projection: Projection?
    private(set) var routes: InProcessRoutes?

    init(configuration: ServiceConfiguration) {
        self.configuration = configuration
    }

    var isUp: Bool { projection != nil }

    /// Opens the control store and the active read store, as at every start, and builds the routes.
    func start() async throws {
        let runtime = try buildRuntime(configuration: configuration)
        let projection = try await Projection.assemble(runtime)
        self.runtime = runtime
        self.projection = projection
        routes = InProcessRoutes(buildRouter(runtime, projection: projection))
    }

    /// Kills the service: what it applied is what its transactions committed.
    func crash() {
        try? runtime?.database.close()
        runtime = nil
        projection = nil
        routes = nil
    }

    /// One catch-up page: the events of `source` after the position the read store applied, up
    /// to `limit`, applied in one transaction.
    /// - Returns: how many events were new.
    func catchUp(_ source: ServiceName, from sourceStore: EventStoreDatabase, limit: Int) async throws -> Int {
        guard let store = projection?.store else { return 0 }
        let position = try await store.positions()[source] ?? 0
        let events = try await sourceStore.read { try $0.events(after: position, limit: limit) }
        guard !events.isEmpty else { return 0 }
        let page = try events.map { PositionedEvent(position: $0.position, envelope: try $0.envelope(includePosition: true)) }
        let outcomes = try await store.apply([FeedSegment(source: source, after: position, events: page)])
        return outcomes.first?.count ?? 0
    }

    /// Whether the read store applied every event `sourceStore` has.
    func isCaughtUp(_ source: ServiceName, with sourceStore: EventStoreDatabase) async throws -> Bool {
        guard let store = projection?.store else { return false }
        let position = try await store.positions()[source] ?? 0
        return try await sourceStore.read { try $0.events(after: position, limit: 1) }.isEmpty
    }
}
