import Contracts
import EventStore
import Foundation
import Logging
import Messaging
import Metrics
import ServiceLifecycle
import Tracing

/// What a service does with one event from its queue.
public protocol EventHandler: Sendable {
    /// Applies `envelope` inside `transaction`, which also records the event id in the inbox:
    /// the effects and the record commit together, so a redelivered duplicate changes nothing.
    /// - Throws: when the event cannot be handled; its effects are then rolled back and the
    ///   message is retried later or, after the last attempt, parked.
    func handle(_ envelope: EventEnvelope, in transaction: StoreTransaction) throws
}

/// Consumes the service's queue in batches: every message of a batch is handled in one SQLite
/// transaction (each in its own savepoint), then the batch is acked. A message that fails is
/// republished to a delay queue or parked (``FailedMessageForwarder``) and only then acked, so
/// nothing is lost and one bad message never blocks the others. A redelivered message (its process
/// died with it in hand) is handled on its own and counted across restarts (``RedeliveryGuard``).
public struct EventConsumer: Service {
    let database: AppDatabase
    let consuming: ManagedConnection
    let retryPolicy: RetryPolicy
    let forwarder: FailedMessageForwarder
    let redeliveries: RedeliveryGuard
    let handler: any EventHandler
    let prefetch: UInt16
    /// A consumer span per message when tracing is on; `nil` otherwise.
    let tracing: MessageTracing?
    let logger: Logger
    private let handled = Counter(label: "messages_handled_total")
    private let duplicates = Counter(label: "messages_duplicate_total")
    /// After a batch could not be committed, the next one waits 100 ms, doubling up to 5 s.
    private let commitBackoff = Backoff()
    private let commitFailures = Counter(label: "consumer_commit_failures_total")

    public init(
        database: AppDatabase, consuming: ManagedConnection, publishing: ManagedConnection, retryPolicy: RetryPolicy,
        handler: any EventHandler, prefetch: UInt16 = 128, tracing: MessageTracing? = nil, logger: Logger
    ) {
        self.tracing = tracing
        self.database = database
        self.consuming = consuming
        self.retryPolicy = retryPolicy
        forwarder = FailedMessageForwarder(publishing: publishing, retryPolicy: retryPolicy, logger: logger)
        redeliveries = RedeliveryGuard(database: database, forwarder: forwarder, logger: logger)
        self.handler = handler
        self.prefetch = prefetch
        self.logger = logger
    }

    public func run() async throws {
        await consuming.consumeUntilShutdown(queue: retryPolicy.service.queue, prefetch: prefetch, logger: logger) { batch, connection in
            try await redeliveries.process(batch, on: connection) { try await process($0, on: connection) }
        }
    }

    /// What became of one delivery of a batch.
    public enum Outcome: Sendable {
        /// Its effects and its inbox record are in the transaction: acked.
        case handled
        /// The inbox had it already: acked, nothing changed.
        case duplicate
        /// Nothing of it is in the transaction: retried later, or parked at once when `malformed`.
        case failed(reason: String, malformed: Bool)
    }

    /// Handles a batch in one transaction, then acks what was handled and sends on what failed.
    private func process(_ batch: [Delivery], on connection: AMQPConnection) async throws {
        let handler = handler
        let outcomes: [Outcome]
        // One span per message, a child of the publisher's; what a handler appends keeps its context.
        let queue = retryPolicy.service.queue
        let spans = tracing.map { tracing in batch.map { tracing.startConsuming($0, queue: queue) } } ?? []
        let traceParents = tracing.map { tracing in spans.map { tracing.traceParent(of: $0) } } ?? []
        do {
            outcomes = try await database.write { transaction in
                try batch.enumerated().map { index, delivery in
                    let traced = traceParents.isEmpty ? transaction : transaction.tracing(traceParents[index])
                    return try Self.handle(delivery, with: handler, in: traced)
                }
            }
            commitBackoff.reset()
            for (span, outcome) in zip(spans, outcomes) { span.end(outcome) }
        } catch {
            for span in spans { span.end(failure: "the batch could not be committed: \(error)") }
            // The transaction itself failed (disk full, read-only, lock): nothing was applied.
            // Wait (longer after each failure in a row), then let the broker redeliver the batch.
            commitFailures.increment()
            let delay = commitBackoff.next()
            logger.error("Could not commit a batch; requeueing it", metadata: [
                "error": "\(error)", "amqp.queue": "\(retryPolicy.service.queue)", "retry.in": "\(delay)",
            ])
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            for delivery in batch { connection.reject(delivery.deliveryTag, requeue: true) }
            return
        }
        var failures: [FailedMessageForwarder.Failure] = []
        for (delivery, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .handled:
                handled.increment()
            case .duplicate:
                duplicates.increment()
                logger.debug("Duplicate ignored", metadata: ["event.id": "\(delivery.properties.messageId ?? "")"])
            case .failed(let reason, let malformed):
                failures.append(.init(delivery: delivery, reason: reason, malformed: malformed))
            }
        }
        guard !failures.isEmpty else {
            if let last = batch.last { connection.ack(last.deliveryTag, multiple: true) }
            return
        }
        for (delivery, outcome) in zip(batch, outcomes) {
            if case .failed = outcome { continue }
            connection.ack(delivery.deliveryTag)
        }
        await forwarder.forward(failures, acking: connection)
    }

    /// Handles one delivery of a batch inside the batch's `transaction`, in a savepoint of its own:
    /// the inbox check, `handler`'s effects and the inbox record. No broker is involved, so a test
    /// can call it on a real store.
    /// - Throws: only when the store itself failed (disk full, read-only, I/O): the whole batch
    ///   is then rolled back and redelivered, instead of the message being retried or parked.
    public static func handle(_ delivery: Delivery, with handler: any EventHandler, in transaction: StoreTransaction) throws -> Outcome {
        if let error = delivery.headerTableError { return .failed(reason: error, malformed: true) }
        let envelope: EventEnvelope
        do {
            envelope = try EventEnvelope(body: delivery.body)
        } catch {
            return .failed(reason: "\(error)", malformed: true)
        }
        let eventId = envelope.metadata.eventId
        do {
            if try transaction.hasHandled(eventId: eventId) { return .duplicate }
            try transaction.savepoint {
                try handler.handle(envelope, in: transaction)
                try transaction.recordHandled(eventId: eventId)
            }
            return .handled
        } catch let error as EnvelopeError {
            return .failed(reason: "\(error)", malformed: true)
        } catch where StoreHealth.storeFailureReason(error) != nil {
            throw error
        } catch {
            return .failed(reason: "\(error)", malformed: false)
        }
    }
}

extension Span {
    /// Ends a consumer span with what became of its message.
    fileprivate func end(_ outcome: EventConsumer.Outcome) {
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
