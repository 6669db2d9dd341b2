import Contracts
import Foundation
import Messaging
@testable import Delivery
import Testing

/// ``RetryPolicy``: where a failed delivery goes next. A retry through the delay queue of its
/// attempt, or, once `maxAttempts` deliveries failed or at once when it is malformed, the
/// parking queue; with the headers that carry its history.
@Suite struct RetryPolicyTests {
    private static let policy = RetryPolicy(service: .payment, delays: [200, 1000, 5000], maxAttempts: 5)
    private static let parkedAt = Date(timeIntervalSince1970: 1_800_000_000)

    private static func delivery(attempt: Int? = nil, exchange: String = "orders", headers: [String: AMQPFieldValue] = [:], messageId: String? = "m-1") -> Delivery {
        var headers = headers
        if let attempt { headers[DeliveryHeader.attempts] = .int(Int64(attempt)) }
        return Delivery(
            deliveryTag: 7, exchange: exchange, routingKey: "order.placed", redelivered: false, body: Data(#"{"any": "body"}"#.utf8),
            properties: MessageProperties(messageId: messageId, correlationId: "o-1", type: "OrderPlaced", appId: "order-service", headers: headers))
    }

    private static func header(_ message: OutgoingMessage, _ name: String) -> AMQPFieldValue? {
        message.properties.headers[name]
    }

    @Test func theFirstFailureIsRetriedThroughTheFirstDelayQueueAsTheSecondAttempt() {
        let retry = Self.policy.followUp(for: Self.delivery(), attempt: 1, reason: "store busy", malformed: false)

        #expect(retry.exchange == "")
        #expect(retry.routingKey == "payment-service.retry.200ms")
        #expect(Self.header(retry, DeliveryHeader.attempts) == .int(2))
        #expect(Self.header(retry, DeliveryHeader.exception) == .string("store busy"))
        #expect(Self.header(retry, DeliveryHeader.originalExchange) == .string("orders"))
        #expect(Self.header(retry, DeliveryHeader.originalRoutingKey) == .string("order.placed"))
        #expect(Self.header(retry, DeliveryHeader.parkedReason) == nil)
    }

    @Test(arguments: [(1, 200), (2, 1000), (3, 5000), (4, 5000)])
    func eachAttemptWaitsItsDelayAndTheLastDelayRepeats(_ attempt: Int, _ delay: Int) {
        let retry = Self.policy.followUp(for: Self.delivery(attempt: attempt), attempt: attempt, reason: "r", malformed: false)

        #expect(retry.routingKey == "payment-service.retry.\(delay)ms")
        #expect(Self.header(retry, DeliveryHeader.attempts) == .int(Int64(attempt + 1)))
    }

    @Test func theLastAllowedAttemptIsParkedAsMaxAttemptsExceeded() {
        let parked = Self.policy.followUp(for: Self.delivery(attempt: 5), attempt: 5, reason: "still failing", malformed: false, now: Self.parkedAt)

        #expect(parked.exchange == "")
        #expect(parked.routingKey == "payment-service.dead-letters")
        #expect(Self.header(parked, DeliveryHeader.parkedReason) == .string("max_attempts_exceeded"))
        #expect(Self.header(parked, DeliveryHeader.attempts) == .int(5))
        #expect(Self.header(parked, DeliveryHeader.parkedAt) == .string(Timestamp.format(Self.parkedAt)))
        #expect(Self.header(parked, DeliveryHeader.exception) == .string("still failing"))
    }

    @Test func aMalformedMessageIsParkedAtItsFirstAttempt() {
        let parked = Self.policy.followUp(for: Self.delivery(), attempt: 1, reason: "malformed envelope: x", malformed: true)

        #expect(parked.routingKey == "payment-service.dead-letters")
        #expect(Self.header(parked, DeliveryHeader.parkedReason) == .string("malformed"))
        #expect(Self.header(parked, DeliveryHeader.attempts) == .int(1))
    }

    @Test func aRetriedMessageKeepsItsOriginalExchangeAndRoutingKey() {
        let fromDelayQueue = Self.delivery(attempt: 2, exchange: "", headers: [
            DeliveryHeader.originalExchange: .string("inventory"), DeliveryHeader.originalRoutingKey: .string("inventory.reserved"),
        ])

        let retry = Self.policy.followUp(for: fromDelayQueue, attempt: 2, reason: "r", malformed: false)

        #expect(Self.header(retry, DeliveryHeader.originalExchange) == .string("inventory"))
        #expect(Self.header(retry, DeliveryHeader.originalRoutingKey) == .string("inventory.reserved"))
    }

    @Test func theFollowUpCarriesTheSameBodyAndPropertiesAndAMessageIdAlways() {
        let original = Self.delivery(messageId: nil)

        let retry = Self.policy.followUp(for: original, attempt: 1, reason: "r", malformed: false)

        #expect(retry.body == Array(original.body))
        #expect(retry.properties.type == "OrderPlaced")
        #expect(retry.properties.correlationId == "o-1")
        #expect(retry.properties.appId == "order-service")
        #expect(retry.properties.messageId?.isEmpty == false, "a message without id gets one, so it can be addressed once parked")
    }

    @Test func theFailureTextIsCappedAt2000Characters() {
        let retry = Self.policy.followUp(for: Self.delivery(), attempt: 1, reason: String(repeating: "x", count: 5000), malformed: false)

        guard case .string(let text) = Self.header(retry, DeliveryHeader.exception) else { Issue.record("no x-exception"); return }
        #expect(text.count == 2000)
    }

    @Test func oneDelayQueuePerDistinctDelayDeadLettersIntoTheWorkQueue() {
        let policy = RetryPolicy(service: .inventory, delays: [1000, 200, 1000], maxAttempts: 5)

        let queues = policy.delayQueues

        #expect(queues.map(\.name) == ["inventory-service.retry.200ms", "inventory-service.retry.1000ms"])
        #expect(queues[0].arguments["x-message-ttl"] == .int(200))
        #expect(queues[0].arguments["x-dead-letter-exchange"] == .string(""))
        #expect(queues[0].arguments["x-dead-letter-routing-key"] == .string("inventory-service"))
        #expect(queues.allSatisfy { $0.durable })
    }

    @Test func noConfiguredDelaysMeansOneSecond() {
        #expect(RetryPolicy(service: .order, delays: [], maxAttempts: 3).delays == [1000])
    }

    @Test func withOneAttemptAllowedTheFirstFailureIsParked() {
        let policy = RetryPolicy(service: .order, delays: [200], maxAttempts: 1)

        #expect(policy.followUp(for: Self.delivery(), attempt: 1, reason: "r", malformed: false).routingKey == "order-service.dead-letters")
    }

    @Test(arguments: [(nil, 1), (3, 3), (0, 1), (-4, 1)] as [(Int?, Int)])
    func theAttemptOfADeliveryIsItsRetryHeaderAndAtLeastOne(_ header: Int?, _ attempt: Int) {
        #expect(Self.delivery(attempt: header).attempt == attempt)
    }
}
