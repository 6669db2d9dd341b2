import Contracts
import Messaging

extension Topology {
    /// What a service declares on every connect: the exchanges, the saga participants' work
    /// queues with their bindings (so no saga event is lost to a queue not declared yet), and
    /// the service's own queue, delay queues and dead-letter queue.
    public static func declared(by retryPolicy: RetryPolicy) -> Topology {
        let service = retryPolicy.service
        var queues = MessageTopology.sagaParticipants
        if !queues.contains(service) { queues.append(service) }
        return Topology(
            exchanges: MessageTopology.exchanges.map { ExchangeDeclaration(name: $0, type: "topic", durable: true) },
            queues: queues.map { QueueDeclaration(name: $0.queue, durable: true, arguments: [:]) }
                + retryPolicy.delayQueues
                + [QueueDeclaration(name: service.deadLetterQueue, durable: true, arguments: [:])],
            bindings: queues.flatMap { queue in
                queue.bindings.map { QueueBinding(queue: queue.queue, exchange: $0.exchange, routingKey: $0.routingKey) }
            }
        )
    }
}
