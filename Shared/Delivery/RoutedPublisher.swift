import Logging
import Messaging
import ServiceLifecycle

/// Publishes with confirms and counts only a message that reached a queue as sent.
///
/// A `mandatory` message that comes back (basic.return) found no queue: a queue or binding of
/// the service's topology was deleted under it. The topology is then declared again
/// (``ManagedConnection/redeclareTopology()``) and the returned messages, only those, are
/// published again, a bounded number of times.
struct RoutedPublisher {
    let connection: ManagedConnection
    let logger: Logger
    /// Publish rounds for a message that keeps coming back.
    var rounds = 3

    /// Each message's outcome, in order: `nil` once confirmed (and, when mandatory, not returned).
    func publish(_ messages: [OutgoingMessage]) async -> [AMQPError?] {
        var outcomes = [AMQPError?](repeating: .connectionClosed, count: messages.count)
        var pending = Array(messages.indices)
        for round in 1...rounds {
            let open: AMQPConnection
            do {
                open = try await cancelWhenGracefulShutdown { try await connection.connection() }
            } catch {
                return outcomes
            }
            let sent = await open.publishEach(pending.map { messages[$0] })
            var returned: [Int] = []
            for (index, outcome) in zip(pending, sent) {
                outcomes[index] = outcome
                if case .returned = outcome { returned.append(index) }
            }
            guard !returned.isEmpty, round < rounds else { break }
            logger.warning("Published messages reached no queue; declaring the topology again", metadata: [
                "amqp.returned": "\(returned.count)", "amqp.routing_key": "\(messages[returned[0]].routingKey)",
            ])
            do {
                try await connection.redeclareTopology()
            } catch {
                logger.warning("Could not declare the topology again", metadata: ["error": "\(error)"])
            }
            pending = returned
        }
        return outcomes
    }
}
