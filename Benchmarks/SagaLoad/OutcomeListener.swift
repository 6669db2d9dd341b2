import Foundation
import Logging
import Messaging

/// Listens on the broker for `order.confirmed` and `order.cancelled` with a queue of its own
/// (which expires once the run is over) and records when each order's saga ended.
struct OutcomeListener: Sendable {
    let connection: AMQPConnection
    let task: Task<Void, Never>

    static func start(url: AMQPURL, recorder: OutcomeRecorder, logger: Logger) async throws -> OutcomeListener {
        let connection = try await AMQPConnection.connect(to: url, name: "saga-load listener", confirmMode: false, logger: logger)
        let queue = "saga-load-\(UUID().uuidString.lowercased())"
        try await connection.declare(Topology(
            queues: [QueueDeclaration(name: queue, durable: false, arguments: ["x-expires": .int(60_000)])],
            bindings: ["order.confirmed", "order.cancelled"].map { QueueBinding(queue: queue, exchange: "orders", routingKey: $0) }
        ))
        let batches = try await connection.consume(queue: queue, prefetch: 1000)
        let task = Task {
            while let batch = await batches.next(max: 1000) {
                let now = ContinuousClock.now
                let ends = batch.compactMap { delivery in
                    delivery.properties.correlationId.map { (orderId: $0, confirmed: delivery.routingKey == "order.confirmed") }
                }
                await recorder.ended(ends, at: now)
                if let last = batch.last { connection.ack(last.deliveryTag, multiple: true) }
            }
        }
        return OutcomeListener(connection: connection, task: task)
    }

    func stop() async {
        await connection.close()
        await task.value
    }
}
