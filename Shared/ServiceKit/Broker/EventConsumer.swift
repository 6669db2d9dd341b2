import Contracts
import EventStore
import Foundation
import Logging
import Messaging
import Metrics
import ServiceLifecycle

/// What a service does with one event from its queue.
public protocol EventHandler: Sendable {
    /// Applies `envelope` inside `transaction`, which also records the event id in the inbox:
    /// the effects and the record commit together, so a redelivered duplicate changes nothing.
    /// - Throws: when the event cannot be handled; its effects are then rolled back and the message is not acked.
    func handle(_ envelope: EventEnvelope, in transaction: StoreTransaction) throws
}

/// Consumes the service's queue in batches: every message of a batch is handled in one SQLite
/// transaction (each in its own savepoint), then the batch is acked.
public struct EventConsumer: Service {
    let database: AppDatabase
    let connection: ManagedConnection
    let queue: String
    let handler: any EventHandler
    let prefetch: UInt16
    let logger: Logger
    private let handled = Counter(label: "messages_handled_total")
    private let duplicates = Counter(label: "messages_duplicate_total")
    private let rejected = Counter(label: "messages_rejected_total")

    public init(database: AppDatabase, connection: ManagedConnection, queue: String, handler: any EventHandler, prefetch: UInt16 = 128, logger: Logger) {
        self.database = database
        self.connection = connection
        self.queue = queue
        self.handler = handler
        self.prefetch = prefetch
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let open = try await cancelWhenGracefulShutdown { try await connection.connection() }
                let batches = try await open.consume(queue: queue, prefetch: prefetch)
                logger.info("Consuming", metadata: ["amqp.queue": "\(queue)"])
                while let batch = await cancelWhenGracefulShutdown({ await batches.next(max: Int(prefetch)) }) {
                    try await process(batch, on: open)
                }
            } catch is CancellationError {
                break
            } catch {
                logger.warning("Consuming stopped; resuming", metadata: ["amqp.queue": "\(queue)", "error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
            }
        }
    }

    private enum Outcome: Sendable {
        case handled, duplicate
        case rejected(reason: String, eventId: String?)
    }

    /// Handles a batch in one transaction, then acks what was handled and rejects what failed.
    private func process(_ batch: [Delivery], on connection: AMQPConnection) async throws {
        let handler = handler
        let outcomes: [Outcome]
        do {
            outcomes = try await database.write { transaction in
                batch.map { delivery in Self.handle(delivery, with: handler, in: transaction) }
            }
        } catch {
            // The transaction itself failed (disk, lock): nothing was applied; let the broker redeliver.
            logger.error("Could not commit a batch; requeueing it", metadata: ["error": "\(error)", "amqp.queue": "\(queue)"])
            for delivery in batch { connection.reject(delivery.deliveryTag, requeue: true) }
            try await Task.sleep(for: .milliseconds(500))
            return
        }
        if outcomes.allSatisfy({ if case .rejected = $0 { false } else { true } }), let last = batch.last {
            connection.ack(last.deliveryTag, multiple: true)
        }
        for (delivery, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .handled:
                handled.increment()
            case .duplicate:
                duplicates.increment()
                logger.debug("Duplicate ignored", metadata: ["event.id": "\(delivery.properties.messageId ?? "")"])
            case .rejected(let reason, let eventId):
                rejected.increment()
                logger.error("Message rejected", metadata: [
                    "event.id": "\(eventId ?? delivery.properties.messageId ?? "unknown")",
                    "amqp.routing_key": "\(delivery.routingKey)", "reason": "\(reason)",
                ])
            }
        }
        if outcomes.contains(where: { if case .rejected = $0 { true } else { false } }) {
            for (delivery, outcome) in zip(batch, outcomes) {
                if case .rejected = outcome {
                    connection.reject(delivery.deliveryTag, requeue: false)
                } else {
                    connection.ack(delivery.deliveryTag)
                }
            }
        }
    }

    private static func handle(_ delivery: Delivery, with handler: any EventHandler, in transaction: StoreTransaction) -> Outcome {
        let envelope: EventEnvelope
        do {
            envelope = try EventEnvelope(body: delivery.body)
        } catch {
            return .rejected(reason: "\(error)", eventId: nil)
        }
        let eventId = envelope.metadata.eventId
        do {
            if try transaction.hasHandled(eventId: eventId) { return .duplicate }
            try transaction.savepoint {
                try handler.handle(envelope, in: transaction)
                try transaction.recordHandled(eventId: eventId)
            }
            return .handled
        } catch {
            return .rejected(reason: "\(error)", eventId: eventId)
        }
    }
}
