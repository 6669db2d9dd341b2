import Contracts
import Foundation
import Messaging

/// Where a message goes when handling it failed: back to the work queue after a delay (a
/// per-delay queue whose message TTL dead-letters into the work queue), or, once
/// `maxAttempts` deliveries failed, parked in `<service>.dead-letters`.
public struct RetryPolicy: Sendable {
    public let service: ServiceName
    /// Delays in milliseconds: the first retry waits `delays[0]`, later ones the next, the last repeating.
    public let delays: [Int]
    public let maxAttempts: Int

    public init(service: ServiceName, delays: [Int], maxAttempts: Int) {
        self.service = service
        self.delays = delays.isEmpty ? [1000] : delays
        self.maxAttempts = maxAttempts
    }

    /// The delay queue for one delay; named after it so a changed configuration declares new queues instead of conflicting.
    public func delayQueue(milliseconds: Int) -> String {
        "\(service.queue).retry.\(milliseconds)ms"
    }

    /// The delay queues to declare.
    public var delayQueues: [QueueDeclaration] {
        Set(delays).sorted().map { delay in
            QueueDeclaration(name: delayQueue(milliseconds: delay), durable: true, arguments: [
                "x-message-ttl": .int(Int64(delay)),
                "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string(service.queue),
            ])
        }
    }

    /// The message that carries a failed delivery onwards: a retry after a delay, or the parked copy.
    /// - Parameters:
    ///   - attempt: which delivery of this message just failed (1 for the first).
    ///   - malformed: a message that can never be handled is parked at once.
    public func followUp(for delivery: Delivery, attempt: Int, reason: String, malformed: Bool, now: Date = Date()) -> OutgoingMessage {
        var properties = delivery.properties
        properties.headers = delivery.headersForCopy
        properties.messageId = properties.messageId ?? UUID().uuidString.lowercased()
        properties.headers[DeliveryHeader.originalExchange] = properties.headers[DeliveryHeader.originalExchange] ?? .string(delivery.exchange)
        properties.headers[DeliveryHeader.originalRoutingKey] = properties.headers[DeliveryHeader.originalRoutingKey] ?? .string(delivery.routingKey)
        properties.headers[DeliveryHeader.exception] = .string(String(reason.prefix(2000)))
        if malformed || attempt >= maxAttempts {
            properties.headers[DeliveryHeader.attempts] = .int(Int64(attempt))
            properties.headers[DeliveryHeader.parkedReason] = .string(malformed ? "malformed" : "max_attempts_exceeded")
            properties.headers[DeliveryHeader.parkedAt] = .string(Timestamp.format(now))
            return OutgoingMessage(exchange: "", routingKey: service.deadLetterQueue, body: Array(delivery.body), properties: properties)
        }
        properties.headers[DeliveryHeader.attempts] = .int(Int64(attempt + 1))
        let delay = delays[min(attempt - 1, delays.count - 1)]
        return OutgoingMessage(exchange: "", routingKey: delayQueue(milliseconds: delay), body: Array(delivery.body), properties: properties)
    }
}

/// Headers a message collects on its way through retries and the dead-letter queue.
public enum DeliveryHeader {
    /// Which delivery this is (1 for the first; absent means 1).
    public static let attempts = "x-attempts"
    public static let parkedReason = "x-parked-reason"
    public static let parkedAt = "x-parked-at"
    /// The last failure's text.
    public static let exception = "x-exception"
    public static let originalExchange = "x-original-exchange"
    public static let originalRoutingKey = "x-original-routing-key"
    public static let replayedAt = "x-replayed-at"
}

extension Delivery {
    /// Which delivery of this message this is, from the retry header (redeliveries after a crash do not count).
    public var attempt: Int {
        if case .int(let value) = properties.headers[DeliveryHeader.attempts] { return max(1, Int(value)) }
        return 1
    }
}
