import EventStore
import Logging
import Messaging
import Metrics
import ServiceLifecycle

/// Consumes the service's queue in batches and settles them: ``BatchHandler`` applies a batch
/// and commits it, then the consumer acks what was handled and forwards what failed to a delay
/// queue or the parking queue (``FailedMessageForwarder``), acking each only once its copy is
/// safe, so nothing is lost and one bad message never blocks the others. A redelivered message
/// (its process died with it in hand) is handed over on its own and counted across restarts
/// (``RedeliveryGuard``). A batch that could not be committed is requeued whole after a backoff.
public struct QueueConsumer<Handler: BatchHandler>: Service {
    let handler: Handler
    let consuming: ManagedConnection
    let queue: String
    let forwarder: FailedMessageForwarder
    let redeliveries: RedeliveryGuard
    let prefetch: UInt16
    /// How long a small batch waits for more deliveries before it is handled; nil: not at all.
    let linger: Duration?
    /// How long to wait before requeueing a batch that could not be committed, after each failure in a row.
    let commitBackoff: Backoff
    let logger: Logger
    private let handled = Counter(label: "messages_handled_total")
    private let duplicates = Counter(label: "messages_duplicate_total")
    private let commitFailures = Counter(label: "consumer_commit_failures_total")

    /// - Parameters:
    ///   - journal: where redeliveries are journaled: the service's own store, which is never replaced.
    ///   - linger: how long a batch smaller than `prefetch` waits for more deliveries (see
    ///     `ManagedConnection.consumeUntilShutdown`); nil, the default, for none.
    ///   - commitBackoff: the wait before requeueing a batch that could not be committed (by default
    ///     100 ms, doubling up to 5 s while failures follow each other).
    public init(
        handler: Handler, journal: DeliveryTables, consuming: ManagedConnection, publishing: ManagedConnection,
        retryPolicy: RetryPolicy, prefetch: UInt16, linger: Duration? = nil, commitBackoff: Backoff = Backoff(), logger: Logger
    ) {
        self.linger = linger
        self.handler = handler
        self.consuming = consuming
        queue = retryPolicy.service.queue
        let forwarder = FailedMessageForwarder(publishing: publishing, retryPolicy: retryPolicy, logger: logger)
        self.forwarder = forwarder
        redeliveries = RedeliveryGuard(journal: journal, forwarder: forwarder, logger: logger)
        self.prefetch = prefetch
        self.commitBackoff = commitBackoff
        self.logger = logger
    }

    public func run() async throws {
        let handler = handler
        await consuming.consumeUntilShutdown(queue: queue, prefetch: prefetch, linger: linger, logger: logger, started: { handler.consumingStarted() }) {
            batch, connection in
            try await redeliveries.process(batch, on: connection) { try await process($0, on: connection) }
        }
    }

    /// Handles a batch, then acks what was handled and sends on what failed.
    private func process(_ batch: [Delivery], on connection: AMQPConnection) async throws {
        let settlements: [DeliverySettlement]
        do {
            settlements = try await handler.handle(batch)
            commitBackoff.reset()
        } catch is CancellationError {
            for delivery in batch { connection.reject(delivery.deliveryTag, requeue: true) }
            throw CancellationError()
        } catch {
            // The transaction itself failed (disk full, read-only, lock): nothing was applied.
            // Wait (longer after each failure in a row), then let the broker redeliver the batch.
            commitFailures.increment()
            let delay = commitBackoff.next()
            logger.error("Could not commit a batch; requeueing it", metadata: [
                "error": "\(error)", "amqp.queue": "\(queue)", "retry.in": "\(delay)",
            ])
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            for delivery in batch { connection.reject(delivery.deliveryTag, requeue: true) }
            return
        }
        await settle(batch, settlements, on: connection)
    }

    /// Acks the batch (all at once when nothing failed) and forwards its failures.
    private func settle(_ batch: [Delivery], _ settlements: [DeliverySettlement], on connection: AMQPConnection) async {
        var failures: [FailedMessageForwarder.Failure] = []
        for (delivery, settlement) in zip(batch, settlements) {
            switch settlement {
            case .handled: handled.increment()
            case .duplicate: duplicates.increment()
            case .acked: break
            case .failed(let reason, let malformed): failures.append(.init(delivery: delivery, reason: reason, malformed: malformed))
            }
        }
        guard !failures.isEmpty else {
            if let last = batch.last { connection.ack(last.deliveryTag, multiple: true) }
            return
        }
        for (delivery, settlement) in zip(batch, settlements) {
            if case .failed = settlement { continue }
            connection.ack(delivery.deliveryTag)
        }
        await forwarder.forward(failures, acking: connection)
    }
}
