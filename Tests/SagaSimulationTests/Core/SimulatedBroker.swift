import Contracts
import Foundation
import Messaging

/// A message held by the simulated broker, as the relay or a forwarder published it.
struct SimulatedMessage: Sendable {
    /// Unique in one broker, in publish order: how the schedule log names a message.
    var sequence: Int
    var exchange: String
    var routingKey: String
    var body: Data
    var properties: MessageProperties
    /// Delivered before and not acknowledged (its consumer crashed with it in hand).
    var redelivered = false

    /// `#12 order.placed`: what the schedule log prints.
    var label: String { "#\(sequence) \(properties.type ?? routingKey)" }
}

/// The broker of the simulation: the exchanges and queues the services declare (their bindings
/// come from ``ServiceName/bindings``, as in production), each queue with its messages ready,
/// delivered but unacknowledged, waiting in a delay queue, or parked.
///
/// It never picks anything itself: the scheduler says which message is delivered, duplicated or
/// released, so delays and reordering are the scheduler's choices and reproduce from its seed.
final class SimulatedBroker {
    struct Queue {
        var ready: [SimulatedMessage] = []
        /// Delivered and not acknowledged yet, by delivery tag.
        var unacked: [(tag: UInt64, message: SimulatedMessage)] = []
        /// In one of the service's delay queues (`<queue>.retry.<ms>ms`): back to `ready` when the delay passes.
        var delayed: [SimulatedMessage] = []
        /// In `<queue>.dead-letters`.
        var parked: [SimulatedMessage] = []
    }

    private(set) var queues: [ServiceName: Queue] = [:]
    private let bindings: [(exchange: String, routingKey: String, queue: ServiceName)]
    private var nextSequence = 1
    private var nextTag: UInt64 = 1

    /// Declares the work, delay and dead-letter queues of `services` and their bindings.
    init(services: [ServiceName]) {
        var bindings: [(exchange: String, routingKey: String, queue: ServiceName)] = []
        for service in services {
            queues[service] = Queue()
            for binding in service.bindings { bindings.append((binding.exchange, binding.routingKey, service)) }
        }
        self.bindings = bindings
    }

    subscript(service: ServiceName) -> Queue { queues[service] ?? Queue() }

    /// Routes `message` like RabbitMQ: through a topic exchange to every bound queue, or through
    /// the default exchange (`""`) to the queue its routing key names.
    /// - Returns: how many queues received it (0: unroutable, dropped).
    @discardableResult
    func publish(_ message: OutgoingMessage) -> Int {
        let sequence = nextSequence
        nextSequence += 1
        let stored = SimulatedMessage(
            sequence: sequence, exchange: message.exchange, routingKey: message.routingKey,
            body: Data(message.body), properties: message.properties)
        if message.exchange.isEmpty { return enqueueDirect(stored) ? 1 : 0 }
        var reached = 0
        for binding in bindings where binding.exchange == message.exchange && TopicPattern.matches(binding.routingKey, message.routingKey) {
            queues[binding.queue]?.ready.append(stored)
            reached += 1
        }
        return reached
    }

    private func enqueueDirect(_ message: SimulatedMessage) -> Bool {
        for service in queues.keys {
            if message.routingKey == service.queue {
                queues[service]?.ready.append(message)
            } else if message.routingKey == service.deadLetterQueue {
                queues[service]?.parked.append(message)
            } else if message.routingKey.hasPrefix(service.queue + ".retry.") {
                queues[service]?.delayed.append(message)
            } else {
                continue
            }
            return true
        }
        return false
    }

    /// Hands the ready message at `index` of `service`'s queue to its consumer; it stays unacked until ``ack(_:on:)``.
    func deliver(from service: ServiceName, at index: Int) -> (delivery: Delivery, message: SimulatedMessage) {
        let message = queues[service]!.ready.remove(at: index)
        let tag = nextTag
        nextTag += 1
        queues[service]!.unacked.append((tag, message))
        let delivery = Delivery(
            deliveryTag: tag, exchange: message.exchange, routingKey: message.routingKey, redelivered: message.redelivered,
            body: message.body, properties: message.properties)
        return (delivery, message)
    }

    /// Acknowledges one delivery: the broker forgets the message.
    func ack(_ tag: UInt64, on service: ServiceName) {
        queues[service]!.unacked.removeAll { $0.tag == tag }
    }

    /// Puts one unacknowledged delivery back at the head of its queue (a reject with requeue).
    func requeue(_ tag: UInt64, on service: ServiceName) {
        guard let index = queues[service]!.unacked.firstIndex(where: { $0.tag == tag }) else { return }
        var message = queues[service]!.unacked.remove(at: index).message
        message.redelivered = true
        queues[service]!.ready.insert(message, at: 0)
    }

    /// The consumer's connection dropped (its process died): every unacked delivery comes back,
    /// marked redelivered, ahead of the ready ones, in the order they were delivered.
    func connectionLost(_ service: ServiceName) {
        let unacked = queues[service]!.unacked.map { entry in
            var message = entry.message
            message.redelivered = true
            return message
        }
        queues[service]!.unacked = []
        queues[service]!.ready.insert(contentsOf: unacked, at: 0)
    }

    /// The delay of the delayed message at `index` passed: it is dead-lettered back into its work queue.
    func releaseDelayed(_ service: ServiceName, at index: Int) -> SimulatedMessage {
        var message = queues[service]!.delayed.remove(at: index)
        message.exchange = ""
        message.routingKey = service.queue
        queues[service]!.ready.append(message)
        return message
    }

    /// A copy of the ready message at `index` is queued again, as when a publish is repeated.
    func duplicate(_ service: ServiceName, at index: Int) -> SimulatedMessage {
        var copy = queues[service]!.ready[index]
        copy.sequence = nextSequence
        nextSequence += 1
        queues[service]!.ready.append(copy)
        return copy
    }

    /// Whether nothing is ready, unacknowledged or delayed anywhere (parked messages stay parked).
    var isQuiet: Bool {
        queues.values.allSatisfy { $0.ready.isEmpty && $0.unacked.isEmpty && $0.delayed.isEmpty }
    }
}
