import Logging
import Messaging
import Metrics
import ServiceLifecycle

/// Sends deliveries that could not be handled on to their retry queue or the dead-letter queue
/// (``RetryPolicy``), with confirms, and only then acks their originals. If the broker does not
/// take the copies, the originals are requeued instead: nothing is lost either way.
public struct FailedMessageForwarder: Sendable {
    /// One delivery that failed, and why.
    public struct Failure: Sendable {
        public var delivery: Delivery
        public var reason: String
        /// A message that can never be handled (not an envelope, or a payload of the wrong shape) is parked at once.
        public var malformed: Bool

        public init(delivery: Delivery, reason: String, malformed: Bool) {
            self.delivery = delivery
            self.reason = reason
            self.malformed = malformed
        }
    }

    let publishing: ManagedConnection
    let retryPolicy: RetryPolicy
    let logger: Logger
    private let retried = Counter(label: "messages_retried_total")
    private let parked = Counter(label: "messages_parked_total")

    public init(publishing: ManagedConnection, retryPolicy: RetryPolicy, logger: Logger) {
        self.publishing = publishing
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// Forwards `failures`, then acks (or, if forwarding failed, requeues) their deliveries on `connection`.
    public func forward(_ failures: [Failure], acking connection: AMQPConnection) async {
        guard !failures.isEmpty else { return }
        let messages = failures.map {
            retryPolicy.followUp(for: $0.delivery, attempt: $0.delivery.attempt, reason: $0.reason, malformed: $0.malformed)
        }
        do {
            let publisher = try await cancelWhenGracefulShutdown { try await publishing.connection() }
            try await publisher.publish(messages)
        } catch {
            logger.warning("Could not send failed messages on; requeueing them", metadata: ["error": "\(error)"])
            for failure in failures { connection.reject(failure.delivery.deliveryTag, requeue: true) }
            return
        }
        for (failure, message) in zip(failures, messages) {
            connection.ack(failure.delivery.deliveryTag)
            let metadata: Logger.Metadata = [
                "event.id": "\(message.properties.messageId ?? "")", "event.type": "\(message.properties.type ?? "")",
                "amqp.routing_key": "\(message.routingKey)", "delivery.attempt": "\(failure.delivery.attempt)",
                "error": "\(failure.reason)",
            ]
            if message.routingKey == retryPolicy.service.deadLetterQueue {
                parked.increment()
                logger.error("Message parked in the dead-letter queue", metadata: metadata)
            } else {
                retried.increment()
                logger.warning("Handling failed; retrying later", metadata: metadata)
            }
        }
    }
}
