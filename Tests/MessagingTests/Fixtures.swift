import Foundation
import Logging
import Messaging
import TestSupport

/// Names unique to one test, so tests sharing a broker never see each other's messages.
struct Names {
    let prefix = "t-\(UUID().uuidString.prefix(8).lowercased())"
    var exchange: String { "\(prefix).events" }
    var queue: String { "\(prefix).queue" }
}

let testLogger: Logger = {
    var logger = Logger(label: "messaging-tests")
    logger.logLevel = .notice
    return logger
}()

/// A connection to the suite's broker.
func connect(confirmMode: Bool = true, name: String = #function) async throws -> AMQPConnection {
    let url = try AMQPURL(BrokerTrait.node.amqpURL)
    return try await AMQPConnection.connect(to: url, name: name, confirmMode: confirmMode, logger: testLogger)
}

/// A durable topic exchange with one durable queue bound to `#`.
func simpleTopology(_ names: Names, queueArguments: [String: AMQPFieldValue] = [:]) -> Topology {
    Topology(
        exchanges: [ExchangeDeclaration(name: names.exchange)],
        queues: [QueueDeclaration(name: names.queue, arguments: queueArguments)],
        bindings: [QueueBinding(queue: names.queue, exchange: names.exchange, routingKey: "#")]
    )
}

func message(_ names: Names, body: String, id: String = UUID().uuidString, mandatory: Bool = false) -> OutgoingMessage {
    OutgoingMessage(
        exchange: names.exchange, routingKey: "order.placed", body: Array(body.utf8),
        properties: MessageProperties(messageId: id), mandatory: mandatory)
}

/// Takes batches until `count` deliveries arrived (or `next` returned nil).
func collect(_ count: Int, from batches: DeliveryBatches, max: Int = 100) async -> [Delivery] {
    var deliveries: [Delivery] = []
    while deliveries.count < count, let batch = await batches.next(max: max) {
        deliveries += batch
    }
    return deliveries
}
