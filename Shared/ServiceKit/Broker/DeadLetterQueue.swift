import Contracts
import Foundation
import Logging
import Messaging

/// A message parked in `<service>.dead-letters`, as operators see it.
public struct ParkedMessage: Codable, Sendable {
    /// The message id (the event id when the message had one).
    public var id: String
    public var eventType: String?
    public var correlationId: String?
    public var originalExchange: String?
    public var originalRoutingKey: String?
    /// `malformed` or `max_attempts_exceeded`.
    public var reason: String?
    /// The last failure's text.
    public var error: String?
    public var attempts: Int
    public var parkedAt: String?
    /// The message body as received (it may not be valid JSON: that can be why it was parked).
    public var body: String

    init(_ delivery: Delivery) {
        let headers = delivery.properties.headers
        func text(_ name: String) -> String? {
            if case .string(let value) = headers[name] { return value }
            return nil
        }
        id = delivery.properties.messageId ?? ""
        eventType = delivery.properties.type
        correlationId = delivery.properties.correlationId
        originalExchange = text(DeliveryHeader.originalExchange)
        originalRoutingKey = text(DeliveryHeader.originalRoutingKey)
        reason = text(DeliveryHeader.parkedReason)
        error = text(DeliveryHeader.exception)
        attempts = delivery.attempt
        parkedAt = text(DeliveryHeader.parkedAt)
        body = String(decoding: delivery.body, as: UTF8.self)
    }
}

/// Reads and works the dead-letter queue in place: messages stay parked in the broker until an
/// operator replays or discards them.
///
/// Each operation opens its own short connection and takes messages with `basic.get` without
/// acking; closing the connection puts back every message it did not settle, in its place.
/// Operations run one at a time.
public struct DeadLetterQueue: Sendable {
    let url: AMQPURL
    let retryPolicy: RetryPolicy
    let logger: Logger
    private let lock = AsyncLock()

    public init(url: AMQPURL, retryPolicy: RetryPolicy, logger: Logger) {
        self.url = url
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    private var queue: String { retryPolicy.service.deadLetterQueue }

    /// The parked messages from `offset`, at most `limit`, oldest first, and how many there are in all.
    public func list(offset: Int, limit: Int) async throws -> (total: Int, messages: [ParkedMessage]) {
        try await withConnection(confirmMode: false) { connection in
            let total = Int(try await connection.queueMessageCount(queue: queue))
            var messages: [ParkedMessage] = []
            var index = 0
            while index < min(total, offset + limit), let delivery = try await connection.get(queue: queue) {
                if index >= offset { messages.append(ParkedMessage(delivery)) }
                index += 1
            }
            return (total, messages)
        }
    }

    /// Sends the parked message back to the work queue with a fresh attempt count and removes it
    /// from the dead-letter queue; `false` when no message has that id.
    public func replay(id: String) async throws -> Bool {
        try await withConnection(confirmMode: true) { connection in
            guard let delivery = try await find(id, on: connection) else { return false }
            var properties = delivery.properties
            for header in [DeliveryHeader.parkedReason, DeliveryHeader.parkedAt, DeliveryHeader.exception, DeliveryHeader.attempts] {
                properties.headers[header] = nil
            }
            properties.headers[DeliveryHeader.replayedAt] = .string(Timestamp.format(Date()))
            try await connection.publish(OutgoingMessage(
                exchange: "", routingKey: retryPolicy.service.queue, body: Array(delivery.body), properties: properties
            ))
            connection.ack(delivery.deliveryTag)
            logger.notice("Dead letter replayed", metadata: ["event.id": "\(id)", "amqp.queue": "\(retryPolicy.service.queue)"])
            return true
        }
    }

    /// Removes the parked message for good; `false` when no message has that id.
    public func discard(id: String) async throws -> Bool {
        try await withConnection(confirmMode: false) { connection in
            guard let delivery = try await find(id, on: connection) else { return false }
            connection.ack(delivery.deliveryTag)
            logger.notice("Dead letter discarded", metadata: ["event.id": "\(id)"])
            return true
        }
    }

    private func find(_ id: String, on connection: AMQPConnection) async throws -> Delivery? {
        let total = try await connection.queueMessageCount(queue: queue)
        for _ in 0..<total {
            guard let delivery = try await connection.get(queue: queue) else { return nil }
            if delivery.properties.messageId == id { return delivery }
        }
        return nil
    }

    private func withConnection<T: Sendable>(confirmMode: Bool, _ body: (AMQPConnection) async throws -> T) async throws -> T {
        try await lock.withLock {
            let connection = try await AMQPConnection.connect(
                to: url, name: "\(retryPolicy.service.rawValue) dead-letter admin", confirmMode: confirmMode, logger: logger
            )
            do {
                let result = try await body(connection)
                await connection.close()
                return result
            } catch {
                await connection.close()
                throw error
            }
        }
    }
}
