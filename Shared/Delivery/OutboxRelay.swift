import Contracts
import EventStore
import Foundation
import Logging
import Messaging
import Metrics
import ServiceLifecycle
import Tracing

/// Publishes committed events from the outbox, in commit order, and marks them sent once the broker confirmed them.
///
/// An event that can never be published as it is (a field longer than AMQP allows, an envelope
/// that does not encode) is set aside with its reason, counted in `outbox_set_aside_total` and
/// the `outbox_set_aside` gauge, and the events behind it go on in order; `/admin/outbox/set-aside`
/// lists and retries it. An event a saga participant's queue must receive is published as
/// mandatory: when it comes back unroutable the topology is declared again and it is retried.
///
/// A batch is published with all its confirms in flight at once (pipelined). Confirmed events are
/// marked published together, once a batch's worth gathered or the oldest waited `markDelay`
/// (100 ms), in one transaction for many rounds; meanwhile the relay skips them. If the process
/// dies between the confirm and the mark, they are published again on restart: delivery is
/// at-least-once and consumers deduplicate by event id. A graceful shutdown marks them first.
///
/// A failed round (the store cannot be read or written, the broker refuses or is gone) is
/// retried with capped exponential backoff, 100 ms to 5 s (`outbox_relay_failures_total`). Events
/// the broker confirmed but the store could not mark are marked later, not published again.
public struct OutboxRelay: Service {
    let database: EventStoreDatabase
    let connection: ManagedConnection
    let service: ServiceName
    let exchange: String
    let batchSize: Int
    /// Longest a confirmed event waits to be marked published (see ``ConfirmedUnmarked``).
    let markDelay: Duration
    /// A producer span per published event when tracing is on; `nil` otherwise.
    let tracing: MessageTracing?
    let logger: Logger
    private let published = Counter(label: "outbox_published_total")
    /// Rounds that failed (store or broker) and were retried after a backoff.
    private let failures = Counter(label: "outbox_relay_failures_total")
    private let setAsideTotal = Counter(label: "outbox_set_aside_total")

    public init(
        database: EventStoreDatabase, connection: ManagedConnection, service: ServiceName, exchange: String, batchSize: Int = 500,
        markDelay: Duration = .milliseconds(100), tracing: MessageTracing? = nil, logger: Logger
    ) {
        self.markDelay = markDelay
        self.tracing = tracing
        self.database = database
        self.connection = connection
        self.service = service
        self.exchange = exchange
        self.batchSize = batchSize
        self.logger = logger
    }

    public func run() async throws {
        var lastPrune = Date.distantPast
        if let count = try? await database.read({ try $0.setAsideCount() }) { Self.setAsideGauge.record(count) }
        // After a failure (store or broker), the next attempt waits 100 ms, doubling up to 5 s.
        let backoff = Backoff()
        var unmarked = ConfirmedUnmarked(maxCount: batchSize, maxDelay: markDelay)
        // Every row at or below it is marked, set aside or in `unmarked`, except a set-aside row
        // retried since: the reads start from the beginning again after each mark and each wait.
        var readAfter: Int64 = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if unmarked.isDue() {
                guard await mark(&unmarked, backoff) else { continue }
                readAfter = 0
            }
            // Room for the rows still unmarked, which are read and skipped.
            let limit = batchSize + unmarked.count
            let read: [StoredEvent]
            do {
                read = try await database.read { [readAfter] in try $0.unpublishedEvents(after: readAfter, limit: limit) }
                if read.isEmpty, Date().timeIntervalSince(lastPrune) > 60 {
                    lastPrune = Date()
                    try await database.write { try $0.prunePublished(before: Date().addingTimeInterval(-3600)) }
                }
            } catch {
                await fail("Cannot read the outbox; will retry", error, backoff, [:])
                continue
            }
            let batch = read.filter { !unmarked.contains($0.position) }
            guard let last = batch.last else {
                let timeout = unmarked.timeUntilDue() ?? .seconds(1)
                await cancelWhenGracefulShutdown { await database.waitForAppend(timeout: timeout) }
                readAfter = 0
                continue
            }
            var failure: AMQPError?
            var confirmedCount = 0
            // Ended as soon as each event's fate is known; whatever is left ends with the round.
            let spans = PublishSpans()
            defer { spans.endAll(failure: "not published in this round") }
            do {
                let (messages, setAside) = prepare(batch, spans: spans)
                if !setAside.isEmpty { try await setAsideEvents(setAside) }
                // Cancelled on graceful shutdown (a broker under flow control may never confirm):
                // the rows stay unpublished and go out after the restart.
                let outcomes = await cancelWhenGracefulShutdown {
                    await RoutedPublisher(connection: connection, logger: logger).publish(messages.map(\.message))
                }
                var confirmed: [Int64] = []
                var unpublishable: [(position: Int64, reason: String)] = []
                for ((position, _), outcome) in zip(messages, outcomes) {
                    switch outcome {
                    case nil: confirmed.append(position)
                    case .invalidMessage(let reason)?: unpublishable.append((position, reason))
                    case let error?: failure = failure ?? error
                    }
                    spans.end(position, failure: outcome.map { "\($0)" })
                }
                unmarked.add(confirmed)
                confirmedCount = confirmed.count
                if failure == .cancelled || Task.isShuttingDownGracefully { break }
                if !unpublishable.isEmpty { try await setAsideEvents(unpublishable) }
            } catch is CancellationError {
                break
            } catch AMQPError.cancelled {
                break
            } catch {
                readAfter = 0
                await fail("Cannot set unpublishable events aside; will retry", error, backoff, ["outbox.count": "\(batch.count)"])
                continue
            }
            if let failure {
                // What was not confirmed stays below `last`: read it again.
                readAfter = 0
                await fail("Publishing failed; will retry", failure, backoff, ["outbox.count": "\(batch.count - confirmedCount)"])
            } else {
                readAfter = last.position
                backoff.reset()
            }
        }
        // What was confirmed is marked before the process goes: it is not published again on restart.
        if !unmarked.isEmpty { _ = await mark(&unmarked, backoff) }
    }

    /// Marks `unmarked` published and empties it; false, after the backoff, when the store refused.
    private func mark(_ unmarked: inout ConfirmedUnmarked, _ backoff: Backoff) async -> Bool {
        let positions = unmarked.positions
        do {
            try await database.write { try $0.markPublished(positions: positions) }
        } catch {
            await fail("Cannot mark published events; will retry", error, backoff, ["outbox.count": "\(positions.count)"])
            return false
        }
        published.increment(by: positions.count)
        logger.debug("Published events", metadata: ["outbox.count": "\(positions.count)", "outbox.last": "\(positions.last ?? 0)"])
        unmarked.removeAll()
        return true
    }

    /// Counts and logs a failed round, then waits the backoff's next delay (or until shutdown).
    private func fail(_ message: Logger.Message, _ error: any Error, _ backoff: Backoff, _ metadata: Logger.Metadata) async {
        failures.increment()
        let delay = backoff.next()
        var metadata = metadata
        metadata["error"] = "\(error)"
        metadata["retry.in"] = "\(delay)"
        logger.warning(message, metadata: metadata)
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
    }

    /// The rows set aside, as a gauge: what an operator alerts on.
    public static let setAsideGauge = Gauge(label: "outbox_set_aside")

    /// The messages of `batch`, and the events that cannot become one with why. With tracing on,
    /// each message carries the `traceparent` of its publish span, started here into `spans`.
    private func prepare(
        _ batch: [StoredEvent], spans: PublishSpans
    ) -> (messages: [(position: Int64, message: OutgoingMessage)], setAside: [(position: Int64, reason: String)]) {
        var messages: [(position: Int64, message: OutgoingMessage)] = []
        var setAside: [(position: Int64, reason: String)] = []
        for event in batch {
            let position = event.position
            let span = tracing?.startPublishing(event, exchange: exchange)
            do {
                var message = try OutgoingMessage(event: event, exchange: exchange, publisher: service)
                if let span, let tracing { tracing.inject(span, into: &message.properties.headers) }
                try message.validate()
                message.mandatory = Self.mustReachAQueue(exchange: exchange, routingKey: message.routingKey)
                messages.append((position, message))
                if let span { spans.add(span, for: position) }
            } catch {
                setAside.append((position, "\(error)"))
                span?.end(failure: "set aside: \(error)")
            }
        }
        return (messages, setAside)
    }

    /// Whether a saga participant's queue is bound to this exact route: then a publish that reaches
    /// no queue lost the event. Other events (read only by the projection, which also catches up
    /// from the event feeds) may find no queue while the projection's is not declared yet.
    static func mustReachAQueue(exchange: String, routingKey: String) -> Bool {
        participantRoutes.contains(Route(exchange: exchange, routingKey: routingKey))
    }

    private struct Route: Hashable {
        let exchange: String
        let routingKey: String
    }

    /// Every exchange and routing key a saga participant's queue is bound to.
    private static let participantRoutes = Set(MessageTopology.sagaParticipants.flatMap { participant in
        participant.bindings.map { Route(exchange: $0.exchange, routingKey: $0.routingKey) }
    })

    private func setAsideEvents(_ events: [(position: Int64, reason: String)]) async throws {
        let count = try await database.write { transaction in
            for event in events { try transaction.setAside(position: event.position, reason: event.reason) }
            return try transaction.setAsideCount()
        }
        setAsideTotal.increment(by: events.count)
        Self.setAsideGauge.record(count)
        for event in events {
            logger.error("Event cannot be published; set aside", metadata: [
                "outbox.position": "\(event.position)", "error": "\(event.reason)", "outbox.set_aside": "\(count)",
            ])
        }
    }
}

/// The publish spans of one relay round, by outbox position (empty when tracing is off).
private final class PublishSpans: @unchecked Sendable {
    // Touched only by the relay's own task, one round at a time.
    private var open: [Int64: any Span] = [:]

    func add(_ span: any Span, for position: Int64) {
        open[position] = span
    }

    /// Ends the span of `position`, as an error when `failure` says why.
    func end(_ position: Int64, failure: String?) {
        open.removeValue(forKey: position)?.end(failure: failure)
    }

    func endAll(failure: String) {
        for span in open.values { span.end(failure: failure) }
        open = [:]
    }
}
