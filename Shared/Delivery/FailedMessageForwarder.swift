import Logging
import Messaging
import Metrics
import ServiceLifecycle

/// Sends deliveries that could not be handled on to their retry queue or the dead-letter queue
/// (``RetryPolicy``), with confirms and as mandatory, and only then acks their originals. If the
/// broker does not take a copy, or no queue receives it, its original is requeued instead:
/// nothing is lost either way.
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
    ///
    /// The copies are published as mandatory to the service's own delay and dead-letter queues:
    /// a copy that comes back found no queue (one was deleted under the running service), so the
    /// topology is declared again and that copy sent again. An original is acked only once its
    /// copy was confirmed and not returned.
    public func forward(_ failures: [Failure], acking connection: AMQPConnection) async {
        guard !failures.isEmpty else { return }
        let messages = failures.map {
            var message = retryPolicy.followUp(for: $0.delivery, attempt: $0.delivery.attempt, reason: $0.reason, malformed: $0.malformed)
            message.mandatory = true
            return message
        }
        let outcomes = await RoutedPublisher(connection: publishing, logger: logger).publish(messages)
        for ((failure, message), outcome) in zip(zip(failures, messages), outcomes) {
            if let outcome {
                logger.warning("Could not send a failed message on; requeueing it", metadata: [
                    "event.id": "\(message.properties.messageId ?? "")", "amqp.routing_key": "\(message.routingKey)", "error": "\(outcome)",
                ])
                connection.reject(failure.delivery.deliveryTag, requeue: true)
                continue
            }
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

    /// Parks `delivery` at once with reason `max_attempts_exceeded`, `attempts` recorded, without handling it.
    /// - Returns: whether the parked copy was confirmed (the delivery is then acked; otherwise requeued).
    @discardableResult
    public func park(_ delivery: Delivery, attempts: Int, reason: String, acking connection: AMQPConnection) async -> Bool {
        var message = retryPolicy.followUp(for: delivery, attempt: max(attempts, retryPolicy.maxAttempts), reason: reason, malformed: false)
        message.properties.headers[DeliveryHeader.attempts] = .int(Int64(attempts))
        message.mandatory = true
        let outcome = await RoutedPublisher(connection: publishing, logger: logger).publish([message]).first ?? nil
        let metadata: Logger.Metadata = [
            "event.id": "\(message.properties.messageId ?? "")", "event.type": "\(message.properties.type ?? "")",
            "delivery.attempt": "\(attempts)", "error": "\(reason)",
        ]
        if let outcome {
            logger.warning("Could not park a message; requeueing it", metadata: metadata.merging(["amqp.error": "\(outcome)"]) { $1 })
            connection.reject(delivery.deliveryTag, requeue: true)
            return false
        }
        connection.ack(delivery.deliveryTag)
        parked.increment()
        logger.error("Message parked in the dead-letter queue", metadata: metadata)
        return true
    }
}
