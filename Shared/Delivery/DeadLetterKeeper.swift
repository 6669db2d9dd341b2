import EventStore
import Foundation
import Logging
import Messaging
import Metrics
import ServiceLifecycle

/// Moves every message parked in `<service>.dead-letters` into the service's own store
/// (``ParkedMessageStore``), whole, and acks it only once the row is committed: the broker queue
/// stays where messages land, the table is what operators list, filter and replay.
///
/// It consumes on a connection of its own (``connection``, to run before the keeper), declaring
/// the parking queue before every consume: when the queue is deleted under the running service
/// the broker cancels the consumer, and the keeper declares the queue again and consumes anew.
public struct DeadLetterKeeper: Service {
    /// The keeper's broker connection; run it as a service of its own, ahead of the keeper.
    public let connection: ManagedConnection
    let store: ParkedMessageStore
    let queue: String
    let prefetch: UInt16
    let logger: Logger
    private let parked = Gauge(label: "dead_letters_parked")
    private let kept = Counter(label: "dead_letters_kept_total")

    /// - Parameters:
    ///   - name: the service's name, shown in the broker's connection list.
    ///   - queue: the parking queue, `<service>.dead-letters`.
    public init(url: AMQPURL, name: String, queue: String, database: some ServiceStore, prefetch: UInt16 = 256, logger: Logger) {
        connection = ManagedConnection(
            url: url, name: "\(name) dead-letter keeper", confirmMode: false,
            topology: Topology(queues: [QueueDeclaration(name: queue)]), logger: logger
        )
        store = ParkedMessageStore(database: database)
        self.queue = queue
        self.prefetch = prefetch
        self.logger = logger
    }

    public func run() async throws {
        if let count = try? await store.count() { parked.record(count) }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let open = try await cancelWhenGracefulShutdown { try await connection.connection() }
                // Declared on every (re)consume, not only on connect: the queue may have been deleted.
                try await open.declare(Topology(queues: [QueueDeclaration(name: queue)]))
                let batches = try await open.consume(queue: queue, prefetch: prefetch)
                logger.info("Keeping dead letters", metadata: ["amqp.queue": "\(queue)"])
                while let batch = await cancelWhenGracefulShutdown({ await batches.next(max: Int(prefetch)) }) {
                    try await keep(batch, acking: open)
                }
                if open.isOpen, !Task.isShuttingDownGracefully {
                    logger.warning("The broker cancelled the dead-letter consumer; declaring the queue again", metadata: ["amqp.queue": "\(queue)"])
                }
            } catch is CancellationError {
                break
            } catch {
                logger.warning("Keeping dead letters stopped; resuming", metadata: ["amqp.queue": "\(queue)", "error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
            }
        }
    }

    /// Commits the batch's rows, then acks the batch; if the commit fails, the batch goes back to the queue.
    private func keep(_ batch: [Delivery], acking connection: AMQPConnection) async throws {
        guard let last = batch.last else { return }
        let now = Date()
        let records = batch.map { ParkedMessageRecord($0, now: now) }
        do {
            let count = try await store.park(records)
            connection.ack(last.deliveryTag, multiple: true)
            parked.record(count)
            kept.increment(by: records.count)
            logger.info("Dead letters kept", metadata: ["dead_letters.kept": "\(records.count)", "dead_letters.parked": "\(count)"])
            for record in records {
                logger.debug("Dead letter kept", metadata: [
                    "event.id": "\(record.messageId)", "event.type": "\(record.eventType ?? "")", "parked.reason": "\(record.reason ?? "")",
                ])
            }
        } catch {
            logger.error("Could not store dead letters; requeueing them", metadata: ["error": "\(error)", "amqp.queue": "\(queue)"])
            for delivery in batch { connection.reject(delivery.deliveryTag, requeue: true) }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
