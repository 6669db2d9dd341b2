import Contracts
import Delivery
import EventStore
import Foundation
import Logging
import Messaging
import Metrics
import ServiceKit
import ServiceLifecycle
import Tracing

/// The consumer of projection-service's queue: the shared ``QueueConsumer`` (batches, acks,
/// forwarded failures, the redelivery guard) over ``ProjectionBatchHandler``.
typealias ProjectionConsumer = QueueConsumer<ProjectionBatchHandler>

extension QueueConsumer where Handler == ProjectionBatchHandler {
    /// - Parameter journal: the service's own store, which a rebuild never replaces: it holds the attempt journal.
    init(
        store: ReadStore, journal: ReadModelDatabase, reader: FeedReader, catchUp: Wakeup, consuming: ManagedConnection,
        publishing: ManagedConnection, retryPolicy: RetryPolicy, tracing: MessageTracing? = nil, logger: Logger
    ) {
        self.init(
            handler: ProjectionBatchHandler(
                store: store, reader: reader, catchUp: catchUp, queue: retryPolicy.service.queue, tracing: tracing, logger: logger
            ),
            journal: journal.deliveryTables, consuming: consuming, publishing: publishing, retryPolicy: retryPolicy,
            // Each batch costs a feed request per source it names: a saga's events, which arrive
            // within milliseconds of each other, are gathered for 20 ms into one batch. A batch
            // whose store write failed is requeued after 500 ms, every time.
            prefetch: 256, linger: .milliseconds(20), commitBackoff: Backoff(initial: .milliseconds(500), maximum: .milliseconds(500)), logger: logger
        )
    }
}

/// projection-service's batch: each delivery is read as a notification, "this source has this
/// event at this position". Per source, the batch reads the source's feed from its applied
/// position up to the highest position claimed (``BatchPlan``), applies the feed's events (never
/// a delivery's body) in one transaction for the whole batch, then checks every delivery against
/// what the feed said (``SourceReading``).
///
/// - A delivery that is its source's event at its position is handled (`messages_handled_total`;
///   a duplicate, `messages_duplicate_total`, when applied before).
/// - One that is not (forged, from another environment, from a rolled-back store) changed
///   nothing: it is counted (`projection_events_ignored_total`), logged, and parked with the reason.
/// - One that cannot be checked now (the feed is down) is acked all the same
///   (`projection_deliveries_deferred_total`): whatever its source really has is in its feed,
///   and ``CatchUpService``, woken, applies it once the feed answers.
/// - An event that cannot be applied stops its source just before it; its delivery is retried
///   through the delay queues and finally parked, like in every other service.
struct ProjectionBatchHandler: BatchHandler {
    let store: ReadStore
    let reader: FeedReader
    let catchUp: Wakeup
    let queue: String
    /// A consumer span per delivery when tracing is on; `nil` otherwise.
    let tracing: MessageTracing?
    let logger: Logger
    private let ignored = Counter(label: "projection_events_ignored_total")
    private let deferred = Counter(label: "projection_deliveries_deferred_total")
    private let batches = Counter(label: "projection_batches_total")

    init(store: ReadStore, reader: FeedReader, catchUp: Wakeup, queue: String, tracing: MessageTracing?, logger: Logger) {
        self.store = store
        self.reader = reader
        self.catchUp = catchUp
        self.queue = queue
        self.tracing = tracing
        self.logger = logger
    }

    /// Whatever was published while the broker was away may be missing from the queue's order: catch up too.
    func consumingStarted() {
        catchUp.signal()
    }

    /// Reads the feeds the batch points at and applies their events, then says what became of each delivery.
    func handle(_ batch: [Delivery]) async throws -> [DeliverySettlement] {
        batches.increment()
        let plan = BatchPlan(batch)
        var verdicts: [ClaimVerdict] = []
        var spans = DeliverySpans(batch, tracing: tracing, queue: queue)
        defer { spans.endAll(failure: nil) }
        do {
            let before = try await store.positions()
            let readings = try await read(plan.reads(at: before))
            reader.lag.applied(try await store.positions())
            let known = try await store.appliedEvents(among: plan.claims.filter { claim in
                claim.position.map { $0 <= before[claim.source] ?? 0 } ?? true
            }.map(\.eventId))
            verdicts = plan.claims.map { claim in
                let applied = before[claim.source] ?? 0
                let reading = readings[claim.source] ?? SourceReading(after: applied)
                return reading.verdict(for: claim, applied: applied, known: known[IdentifierKey(claim.eventId)] == claim.source)
            }
        } catch is CancellationError {
            spans.endAll(failure: "cancelled; requeued")
            throw CancellationError()
        } catch {
            // The store failed (disk, lock): the consumer requeues the batch.
            spans.endAll(failure: "the batch could not be applied: \(error)")
            throw error
        }
        // Every delivery the plan does not settle otherwise is acked.
        var settlements: [UInt64: DeliverySettlement] = [:]
        for (delivery, reason) in plan.malformed {
            spans.end(delivery, failure: reason)
            settlements[delivery.deliveryTag] = .failed(reason: reason, malformed: true)
        }
        var counted: Set<IdentifierKey> = []
        for (claim, verdict) in zip(plan.claims, verdicts) {
            spans.end(claim.delivery, verdict)
            settlements[claim.delivery.deliveryTag] = settlement(of: claim, verdict, counted: &counted)
        }
        return batch.map { settlements[$0.deliveryTag] ?? .acked }
    }

    private func settlement(of claim: BatchPlan.Claim, _ verdict: ClaimVerdict, counted: inout Set<IdentifierKey>) -> DeliverySettlement {
        switch verdict {
        case .applied:
            return counted.insert(IdentifierKey(claim.eventId)).inserted ? .handled : .duplicate
        case .duplicate:
            return .duplicate
        case .deferred:
            deferred.increment()
            return .acked
        case .retry(let failure):
            return .failed(reason: failure.error.description, malformed: failure.error.malformed)
        case .foreign(let why):
            ignored.increment()
            let reason = "not an event of \(claim.source.rawValue): \(why)"
            logger.warning("Ignored a message that is not from its source; parking it", metadata: [
                "event.id": "\(claim.eventId)", "source": "\(claim.source.rawValue)",
                "source.position": "\(claim.position.map(String.init) ?? "none")", "error": "\(reason)",
            ])
            return .failed(reason: reason, malformed: true)
        }
    }

    /// Reads each source's feed as far as `reads` says and applies what it has: one request
    /// per source, all at once, and one transaction for the whole batch; further pages, each
    /// in its own transaction, only for a claim beyond a page.
    private func read(_ reads: [ServiceName: BatchPlan.FeedRead]) async throws -> [ServiceName: SourceReading] {
        guard !reads.isEmpty else { return [:] }
        let pages = try await withThrowingTaskGroup(of: (ServiceName, Result<(page: FeedPage, limit: Int), any Error>).self) { group in
            for (source, read) in reads {
                group.addTask {
                    do {
                        return (source, .success(try await reader.page(of: source, after: read.after, through: read.through, for: .batch)))
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        return (source, .failure(error))
                    }
                }
            }
            var pages: [ServiceName: Result<(page: FeedPage, limit: Int), any Error>] = [:]
            for try await (source, page) in group { pages[source] = page }
            return pages
        }
        var readings: [ServiceName: SourceReading] = [:]
        var segments: [FeedSegment] = []
        for (source, read) in reads {
            var reading = SourceReading(after: read.after)
            switch pages[source] {
            case .success(let (page, limit)):
                reading.record(page, limit: limit)
                if !page.events.isEmpty { segments.append(FeedSegment(source: source, after: read.after, events: page.events)) }
            case .failure(let error):
                unreadable(source, error)
                reading.interrupted = true
            case nil:
                reading.interrupted = true
            }
            readings[source] = reading
        }
        for (segment, outcome) in zip(segments, try await store.apply(segments)) {
            readings[segment.source]?.record(outcome)
        }
        for (source, read) in reads {
            guard var reading = readings[source] else { continue }
            while reading.needsMore(through: read.through) {
                // From what was read, not from the store's position: a catch-up running meanwhile
                // may have moved it on, and the events in between must still be known here.
                let after = reading.reached
                let page: FeedPage
                do {
                    let limit: Int
                    (page, limit) = try await reader.page(of: source, after: after, through: read.through, for: .batch)
                    reading.record(page, limit: limit)
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    unreadable(source, error)
                    reading.interrupted = true
                    break
                }
                guard !page.events.isEmpty else { break }
                if let outcome = try await store.apply([FeedSegment(source: source, after: after, events: page.events)]).first {
                    reading.record(outcome)
                }
            }
            if reading.interrupted { catchUp.signal() }
            readings[source] = reading
        }
        return readings
    }

    private func unreadable(_ source: ServiceName, _ error: any Error) {
        logger.warning("Cannot read a feed for a batch now; catching up later", metadata: [
            "source": "\(source.rawValue)", "error": "\(error)",
        ])
        catchUp.signal()
    }
}
