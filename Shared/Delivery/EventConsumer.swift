import Contracts
import EventStore
import Logging
import Messaging
import Tracing

/// The consumer of a saga participant's queue: ``QueueConsumer`` over ``ReactionBatchHandler``.
public typealias EventConsumer = QueueConsumer<ReactionBatchHandler>

extension QueueConsumer where Handler == ReactionBatchHandler {
    /// A consumer that applies every delivery through `handler` in the event store `database`.
    public init(
        database: EventStoreDatabase, consuming: ManagedConnection, publishing: ManagedConnection, retryPolicy: RetryPolicy,
        handler: any EventHandler, prefetch: UInt16 = 128, tracing: MessageTracing? = nil, logger: Logger
    ) {
        self.init(
            handler: ReactionBatchHandler(
                database: database, handler: handler, queue: retryPolicy.service.queue, tracing: tracing, logger: logger
            ),
            journal: database.deliveryTables, consuming: consuming, publishing: publishing, retryPolicy: retryPolicy,
            prefetch: prefetch, logger: logger
        )
    }
}

/// A saga participant's batch: every delivery applied through its ``EventHandler`` in one
/// event-store transaction (each in its own savepoint, with its inbox check and record).
public struct ReactionBatchHandler: BatchHandler {
    let database: EventStoreDatabase
    let handler: any EventHandler
    let queue: String
    /// A consumer span per message when tracing is on; `nil` otherwise.
    let tracing: MessageTracing?
    let logger: Logger

    public func handle(_ batch: [Delivery]) async throws -> [DeliverySettlement] {
        let handler = handler
        // One span per message, a child of the publisher's; what a handler appends keeps its context.
        let spans = tracing.map { tracing in batch.map { tracing.startConsuming($0, queue: queue) } } ?? []
        let traceParents = tracing.map { tracing in spans.map { tracing.traceParent(of: $0) } } ?? []
        let outcomes: [ReactionOutcome]
        do {
            outcomes = try await database.write { transaction in
                try batch.enumerated().map { index, delivery in
                    let traced = traceParents.isEmpty ? transaction : transaction.tracing(traceParents[index])
                    return try handler.apply(delivery, in: traced)
                }
            }
        } catch {
            for span in spans { span.end(failure: "the batch could not be committed: \(error)") }
            throw error
        }
        for (span, outcome) in zip(spans, outcomes) { span.end(outcome) }
        return zip(batch, outcomes).map { delivery, outcome in
            switch outcome {
            case .handled:
                return .handled
            case .duplicate:
                logger.debug("Duplicate ignored", metadata: ["event.id": "\(delivery.properties.messageId ?? "")"])
                return .duplicate
            case .failed(let reason, let malformed):
                return .failed(reason: reason, malformed: malformed)
            }
        }
    }
}

extension Span {
    /// Ends a consumer span with what became of its message.
    fileprivate func end(_ outcome: ReactionOutcome) {
        switch outcome {
        case .handled:
            end(failure: nil)
        case .duplicate:
            attributes["messaging.duplicate"] = true
            end(failure: nil)
        case .failed(let reason, let malformed):
            attributes["messaging.failure.malformed"] = malformed
            end(failure: reason)
        }
    }
}
