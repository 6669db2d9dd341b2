import Contracts
import Metrics
import Synchronization

/// How far the projection is behind each source: the newest position its feed reported minus
/// the position applied, as a gauge `projection_source_lag_events{source=…}`. A position a
/// broker message claims is never a head: only the feed says what the source has.
final class SourceLag: Sendable {
    private struct State {
        var heads: [ServiceName: Int64] = [:]
        var applied: [ServiceName: Int64] = [:]
    }

    private let state = Mutex(State())
    private let gauges: [ServiceName: Gauge]
    private let positionGauges: [ServiceName: Gauge]

    init() {
        gauges = Dictionary(uniqueKeysWithValues: ProjectionSources.all.map {
            ($0, Gauge(label: "projection_source_lag_events", dimensions: [("source", $0.rawValue)]))
        })
        positionGauges = Dictionary(uniqueKeysWithValues: ProjectionSources.all.map {
            ($0, Gauge(label: "projection_source_position", dimensions: [("source", $0.rawValue)]))
        })
    }

    /// A source's feed reported events up to `position`.
    func sawHead(_ position: Int64, of source: ServiceName) {
        update { $0.heads[source] = max($0.heads[source] ?? 0, position) }
    }

    /// The live store applied every source up to these positions (replacing what was known: a rebuilt store may differ).
    func applied(_ positions: [ServiceName: Int64]) {
        update { state in
            for (source, position) in positions { state.applied[source] = position }
        }
    }

    /// The newest position known of each source.
    var heads: [ServiceName: Int64] { state.withLock { $0.heads } }

    /// Events not applied yet of `source`, given its applied position.
    func lag(of source: ServiceName, applied position: Int64) -> Int64 {
        max(0, (state.withLock { $0.heads[source] } ?? 0) - position)
    }

    private func update(_ change: (inout State) -> Void) {
        let snapshot = state.withLock { state in
            change(&state)
            return state
        }
        for source in ProjectionSources.all {
            let applied = snapshot.applied[source] ?? 0
            gauges[source]?.record(max(0, (snapshot.heads[source] ?? 0) - applied))
            positionGauges[source]?.record(applied)
        }
    }
}
