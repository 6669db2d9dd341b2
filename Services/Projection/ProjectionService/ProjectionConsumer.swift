import Contracts
import EventStore
import Foundation
import Logging
import Messaging
import Metrics
import ServiceKit
import ServiceLifecycle

/// Consumes projection-service's queue in batches and applies each source's events in that
/// source's position order (``BatchPlan``): duplicates change nothing, and a gap is filled from
/// the source's feed before anything after it is applied.
///
/// A delivery beyond a gap that cannot be filled now (the feed is down) is acked all the same:
/// the event is in its source's store, and ``CatchUpService``, woken, applies it once the feed
/// answers. An event that cannot be applied stops its source just before it; its delivery is
/// retried through the delay queues and finally parked, like in every other service.
struct ProjectionConsumer: Service, CustomStringConvertible {
    let store: ReadStore
    let reader: FeedReader
    let catchUp: Wakeup
    let consuming: ManagedConnection
    let retryPolicy: RetryPolicy
    let forwarder: FailedMessageForwarder
    var prefetch: UInt16 = 256
    let logger: Logger
    private let handled = Counter(label: "messages_handled_total")
    private let duplicates = Counter(label: "messages_duplicate_total")
    private let gapFills = Counter(label: "projection_gap_fills_total")
    private let ignored = Counter(label: "projection_events_ignored_total")

    init(
        store: ReadStore, reader: FeedReader, catchUp: Wakeup, consuming: ManagedConnection, publishing: ManagedConnection,
        retryPolicy: RetryPolicy, logger: Logger
    ) {
        self.store = store
        self.reader = reader
        self.catchUp = catchUp
        self.consuming = consuming
        self.retryPolicy = retryPolicy
        forwarder = FailedMessageForwarder(publishing: publishing, retryPolicy: retryPolicy, logger: logger)
        self.logger = logger
    }

    var description: String { "ProjectionConsumer" }

    func run() async throws {
        await consuming.consumeUntilShutdown(
            queue: retryPolicy.service.queue, prefetch: prefetch, logger: logger,
            // Whatever was published while the broker was away may be missing from the queue's order: catch up too.
            started: { catchUp.signal() }
        ) { batch, connection in
            try await process(batch, on: connection)
        }
    }

    /// Applies a batch, then acks it, sending failed deliveries on to be retried or parked.
    private func process(_ batch: [Delivery], on connection: AMQPConnection) async throws {
        let plan = BatchPlan(batch)
        var failures: [ServiceName: FeedReader.Failure] = [:]
        let before: [ServiceName: Int64]
        let appliedBefore: Set<String>
        do {
            before = try await store.positions()
            appliedBefore = try await store.appliedEvents(among: plan.unpositioned)
            let outcome = try await apply(plan.work(at: before, applied: appliedBefore))
            failures = outcome.failures
            reader.lag.applied(try await store.positions())
            try await reportUnknown(plan.received.filter {
                $0.position == nil && !appliedBefore.contains($0.envelope.metadata.eventId) && !outcome.unreachable.contains($0.source)
            })
        } catch is CancellationError {
            for delivery in batch { connection.reject(delivery.deliveryTag, requeue: true) }
            throw CancellationError()
        } catch {
            // The store failed (disk, lock): the broker redelivers the batch.
            logger.error("Could not apply a batch; requeueing it", metadata: ["error": "\(error)", "amqp.queue": "\(retryPolicy.service.queue)"])
            for delivery in batch { connection.reject(delivery.deliveryTag, requeue: true) }
            try await Task.sleep(for: .milliseconds(500))
            return
        }
        var followUps = plan.malformed.map { FailedMessageForwarder.Failure(delivery: $0.0, reason: $0.1, malformed: true) }
        var counted: Set<String> = []
        for received in plan.received {
            if let failure = failures[received.source], received.position == failure.position {
                followUps.append(.init(delivery: received.delivery, reason: failure.error.description, malformed: failure.error.malformed))
            } else if plan.isDuplicate(received, at: before, applied: appliedBefore) || !counted.insert(received.envelope.metadata.eventId).inserted {
                duplicates.increment()
            } else {
                handled.increment()
            }
        }
        guard !followUps.isEmpty else {
            if let last = batch.last { connection.ack(last.deliveryTag, multiple: true) }
            return
        }
        let failedTags = Set(followUps.map(\.delivery.deliveryTag))
        for delivery in batch where !failedTags.contains(delivery.deliveryTag) {
            connection.ack(delivery.deliveryTag)
        }
        await forwarder.forward(followUps, acking: connection)
    }

    /// Applies what follows on directly, in one transaction, then fills the gaps from the feeds.
    /// - Returns: the event each source stopped at, if any could not be applied, and the sources whose feed could not be read.
    private func apply(_ work: [ServiceName: BatchPlan.Work]) async throws -> (failures: [ServiceName: FeedReader.Failure], unreachable: Set<ServiceName>) {
        var failures: [ServiceName: FeedReader.Failure] = [:]
        var unreachable: Set<ServiceName> = []
        var segments: [FeedSegment] = []
        var fills: [(source: ServiceName, through: Int64?)] = []
        for (source, work) in work {
            switch work {
            case .apply(let segment): segments.append(segment)
            case .fill(let through): fills.append((source, through))
            }
        }
        for segment in segments {
            reader.lag.sawHead(segment.through, of: segment.source)
        }
        for outcome in zip(segments, try await store.apply(segments)) {
            switch outcome.1 {
            case .applied:
                break
            case .notContiguous:
                fills.append((outcome.0.source, outcome.0.through))
            case .failed(_, _, let failedAt, let eventId, let error):
                failures[outcome.0.source] = FeedReader.Failure(position: failedAt, eventId: eventId, error: error)
            }
        }
        for fill in fills {
            if let through = fill.through { reader.lag.sawHead(through, of: fill.source) }
            gapFills.increment()
            logger.debug("Filling a gap from the feed", metadata: ["source": "\(fill.source.rawValue)", "through": "\(fill.through.map(String.init) ?? "end")"])
            do {
                let result = try await reader.catchUp(fill.source, into: store, through: fill.through, isLive: true)
                if let failure = result.failure { failures[fill.source] = failure }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning("Cannot fill a gap from the feed now; catching up later", metadata: [
                    "source": "\(fill.source.rawValue)", "error": "\(error)",
                ])
                unreachable.insert(fill.source)
                catchUp.signal()
            }
        }
        return (failures, unreachable)
    }

    /// Logs the events without a position that their source's feed did not have either: the
    /// feed is the source's whole history, so they are not applied (a forged or foreign message).
    private func reportUnknown(_ events: [BatchPlan.Received]) async throws {
        guard !events.isEmpty else { return }
        let applied = try await store.appliedEvents(among: events.map(\.envelope.metadata.eventId))
        for event in events where !applied.contains(event.envelope.metadata.eventId) {
            ignored.increment()
            logger.warning("Ignored an event its source's feed does not have", metadata: [
                "event.id": "\(event.envelope.metadata.eventId)", "event.type": "\(event.envelope.metadata.eventType)",
                "source": "\(event.source.rawValue)",
            ])
        }
    }
}
