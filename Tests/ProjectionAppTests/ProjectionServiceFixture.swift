import AppTestSupport
import Contracts
import EventSourcing
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import ProjectionApp
import ServiceKit

/// The projection-service's routes over its real read store, assembled as `buildApplication`
/// does but without its background services: no catch-up or rebuild runs unless a test runs it,
/// so what the read side shows is exactly what the test applied.
struct ProjectionService {
    let client: any TestClientProtocol
    let projection: Projection

    var store: ReadStore { projection.store }

    static func run(environment: [String: String] = [:], _ test: @Sendable (ProjectionService) async throws -> Void) async throws {
        var variables = [EnvironmentVariable.sourceURLs.rawValue: "http://127.0.0.1:1,http://127.0.0.1:1,http://127.0.0.1:1"]
        variables.merge(environment) { _, override in override }
        try await withTemporaryConfiguration(.projection, environment: variables) { configuration in
            let runtime = try buildRuntime(configuration: configuration)
            let projection = try await Projection.assemble(runtime)
            let app = Application(router: buildRouter(runtime, projection: projection))
            try await app.test(.router) { client in try await test(ProjectionService(client: client, projection: projection)) }
        }
    }

    /// Applies `events` as pages of their sources' feeds read after the store's positions, in one transaction.
    @discardableResult
    func apply(_ events: [PositionedFeedEvent]) async throws -> [ServiceName: SegmentOutcome] {
        let positions = try await store.positions()
        var segments: [FeedSegment] = []
        for source in ProjectionSources.all {
            let page = events.filter { $0.source == source }.map(\.event)
            if !page.isEmpty { segments.append(FeedSegment(source: source, after: positions[source] ?? 0, events: page)) }
        }
        let outcomes = try await store.apply(segments)
        return Dictionary(uniqueKeysWithValues: zip(segments.map(\.source), outcomes))
    }
}

/// An event of one source's feed, built in a test.
struct PositionedFeedEvent: Sendable {
    var source: ServiceName
    var event: PositionedEvent
}

/// The three sources' feeds as a test writes them: each event gets the next position of the
/// service that owns its aggregate, as in that service's store.
struct Feeds {
    private(set) var heads: [ServiceName: Int64] = [:]
    /// The instant of the next event; each event is a millisecond after the one before.
    private var clock = Date(timeIntervalSince1970: 1_800_000_000)

    /// The next event of its source, carrying `payload`.
    /// - Parameters:
    ///   - skippingPositions: how many positions before it were left unused (a rolled-back transaction's hole).
    ///   - occurredAt: its time, when not the feeds' next instant (a source whose clock is behind).
    mutating func next<Payload: EventPayload>(
        _ payload: Payload, aggregateId: String, version: Int = 1, correlationId: String? = nil, causationId: String? = nil,
        eventId: String = UUID().uuidString.lowercased(), skippingPositions: Int64 = 0, occurredAt: Date? = nil
    ) throws -> PositionedFeedEvent {
        guard let source = ServiceName(owning: Payload.aggregateType) else { throw FixtureError("no service owns \(Payload.aggregateType)") }
        let position = (heads[source] ?? 0) + 1 + skippingPositions
        heads[source] = position
        clock = clock.addingTimeInterval(0.001)
        let body = try Envelopes.body(
            payload, aggregateId: aggregateId, version: version, correlationId: correlationId ?? aggregateId, causationId: causationId,
            eventId: eventId, position: position, occurredAt: occurredAt ?? clock)
        return PositionedFeedEvent(source: source, event: PositionedEvent(position: position, envelope: try EventEnvelope(recorded: body)))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
