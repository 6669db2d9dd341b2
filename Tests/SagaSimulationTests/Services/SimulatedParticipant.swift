import Contracts
import Delivery
import EventStore
import Foundation
import Hummingbird
import Messaging
@testable import ServiceKit

/// The simulation crashed a service in the middle of a transaction: its work is rolled back.
struct SimulatedCrash: Error {}

/// One saga participant (order-, payment- or inventory-service) as the simulation runs it: its
/// real store (a SQLite file, opened as the executable opens it), its real routes, its real event
/// handler behind the real consumer's per-delivery step (inbox, effects and outbox in one
/// transaction), and the relay's steps (read the outbox, publish, mark).
///
/// A crash closes the store: only committed transactions are in the file, the in-memory state
/// (deliveries handled but not acked, events published but not marked) is lost, and the broker
/// takes the unacked deliveries back. A restart opens the same file again.
final class SimulatedParticipant {
    let name: ServiceName
    let configuration: ServiceConfiguration
    private let handler: any EventHandler
    private let assemble: @Sendable (ServiceConfiguration) throws -> (ServiceRuntime<EventStoreDatabase>, Router<BasicRequestContext>)
    private(set) var runtime: ServiceRuntime<EventStoreDatabase>?
    private(set) var routes: InProcessRoutes?
    /// Deliveries committed and not yet acknowledged.
    private(set) var handledUnacked: [UInt64] = []
    /// Positions the broker confirmed and the relay has not marked yet.
    private(set) var confirmedUnmarked: [Int64] = []

    init(
        _ name: ServiceName, configuration: ServiceConfiguration, handler: any EventHandler,
        assemble: @escaping @Sendable (ServiceConfiguration) throws -> (ServiceRuntime<EventStoreDatabase>, Router<BasicRequestContext>)
    ) {
        self.name = name
        self.configuration = configuration
        self.handler = handler
        self.assemble = assemble
    }

    var isUp: Bool { runtime != nil }
    var database: EventStoreDatabase? { runtime?.database }

    /// Opens the store (running its migrations, as at every start) and builds the routes.
    func start() throws {
        let (runtime, router) = try assemble(configuration)
        self.runtime = runtime
        routes = InProcessRoutes(router)
    }

    /// Kills the service: the store is closed with nothing uncommitted, and everything held in memory is lost.
    func crash(_ broker: SimulatedBroker) {
        try? runtime?.database.close()
        runtime = nil
        routes = nil
        handledUnacked = []
        confirmedUnmarked = []
        broker.connectionLost(name)
    }

    /// The consumer's step for one batch: every delivery handled in ONE transaction (each in its
    /// own savepoint, through ``EventHandler/apply(_:in:)``, the consumer's own handling). A
    /// delivery that failed is sent on with the real ``RetryPolicy`` (a delay queue, or parked)
    /// and acked; the others stay unacked until ``ack(_:)``.
    /// - Parameter crashBeforeCommit: the process dies before the commit: nothing is kept.
    /// - Returns: one word per delivery (`handled`, `duplicate`, `retried`, `parked`), or `nil` when it crashed.
    func consume(_ deliveries: [Delivery], broker: SimulatedBroker, crashBeforeCommit: Bool) async throws -> [String]? {
        guard let runtime else { preconditionFailure("\(name) is down") }
        let handler = handler
        let outcomes: [ReactionOutcome]
        do {
            outcomes = try await runtime.database.write { transaction in
                let outcomes = try deliveries.map { try handler.apply($0, in: transaction) }
                if crashBeforeCommit { throw SimulatedCrash() }
                return outcomes
            }
        } catch is SimulatedCrash {
            crash(broker)
            return nil
        }
        var words: [String] = []
        for (delivery, outcome) in zip(deliveries, outcomes) {
            switch outcome {
            case .handled:
                handledUnacked.append(delivery.deliveryTag)
                words.append("handled")
            case .duplicate:
                handledUnacked.append(delivery.deliveryTag)
                words.append("duplicate")
            case .failed(let reason, let malformed):
                let followUp = runtime.retryPolicy.followUp(for: delivery, attempt: delivery.attempt, reason: reason, malformed: malformed)
                broker.publish(followUp)
                broker.ack(delivery.deliveryTag, on: name)
                words.append(followUp.routingKey == name.deadLetterQueue ? "parked (\(reason))" : "retried (\(reason))")
            }
        }
        return words
    }

    /// Acknowledges every delivery handled so far.
    func ack(_ broker: SimulatedBroker) {
        for tag in handledUnacked { broker.ack(tag, on: name) }
        handledUnacked = []
    }

    /// The relay's publish step: up to `limit` unpublished events, oldest first, published as the
    /// relay publishes them (``OutgoingMessage/init(event:exchange:publisher:)``) and confirmed;
    /// they are marked by ``markConfirmed()``. Marks what is confirmed first, as the relay does.
    /// - Returns: how many events were published.
    func relay(limit: Int, broker: SimulatedBroker) async throws -> Int {
        guard let runtime, let exchange = name.exchange else { return 0 }
        if !confirmedUnmarked.isEmpty { try await markConfirmed() }
        let events = try await runtime.database.read { try $0.unpublishedEvents(limit: limit) }
        for event in events {
            broker.publish(try OutgoingMessage(event: event, exchange: exchange, publisher: name))
        }
        confirmedUnmarked = events.map(\.position)
        return events.count
    }

    /// The relay's mark step: what the broker confirmed is marked published in the outbox.
    func markConfirmed() async throws {
        guard let runtime, !confirmedUnmarked.isEmpty else { return }
        let positions = confirmedUnmarked
        try await runtime.database.write { try $0.markPublished(positions: positions) }
        confirmedUnmarked = []
    }

    /// How many events wait in the outbox.
    func unpublishedCount() async throws -> Int {
        guard let runtime else { return 0 }
        return try await runtime.database.read { try $0.unpublishedCount() }
    }
}
