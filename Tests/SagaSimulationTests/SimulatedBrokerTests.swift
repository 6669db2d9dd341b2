import Contracts
import Foundation
import Messaging
import Testing

/// The simulated broker routes and redelivers as RabbitMQ does for the services' topology.
struct SimulatedBrokerTests {
    static func message(_ exchange: String, _ routingKey: String) -> OutgoingMessage {
        OutgoingMessage(exchange: exchange, routingKey: routingKey, body: Array("{}".utf8), properties: MessageProperties(messageId: "m"))
    }

    @Test func topicPatternsMatchWordsLikeAMQP() {
        #expect(TopicPattern.matches("#", "order.placed"))
        #expect(TopicPattern.matches("order.*", "order.placed"))
        #expect(!TopicPattern.matches("order.*", "order.placed.again"))
        #expect(TopicPattern.matches("order.#", "order"))
        #expect(!TopicPattern.matches("order.placed", "order.cancelled"))
    }

    @Test func anEventReachesEveryQueueBoundToIt() {
        let broker = SimulatedBroker(services: [.order, .payment, .inventory])
        #expect(broker.publish(Self.message("orders", "order.cancelled")) == 2)
        #expect(broker[.payment].ready.count == 1)
        #expect(broker[.inventory].ready.count == 1)
        #expect(broker[.order].ready.isEmpty)
        #expect(broker.publish(Self.message("orders", "order.confirmed")) == 0)
    }

    @Test func unackedDeliveriesComeBackRedeliveredWhenTheConsumerDies() {
        let broker = SimulatedBroker(services: [.payment])
        broker.publish(Self.message("orders", "order.placed"))
        broker.publish(Self.message("orders", "order.cancelled"))
        let first = broker.deliver(from: .payment, at: 1)
        #expect(!first.delivery.redelivered)
        broker.connectionLost(.payment)
        #expect(broker[.payment].unacked.isEmpty)
        #expect(broker[.payment].ready.map(\.routingKey) == ["order.cancelled", "order.placed"])
        #expect(broker[.payment].ready.first?.redelivered == true)
        let again = broker.deliver(from: .payment, at: 0)
        broker.ack(again.delivery.deliveryTag, on: .payment)
        #expect(broker[.payment].ready.count == 1)
    }

    @Test func retriesWaitInTheDelayQueueAndParkedMessagesStay() {
        let broker = SimulatedBroker(services: [.payment])
        broker.publish(Self.message("", "payment-service.retry.200ms"))
        broker.publish(Self.message("", "payment-service.dead-letters"))
        #expect(broker[.payment].ready.isEmpty)
        #expect(broker[.payment].parked.count == 1)
        _ = broker.releaseDelayed(.payment, at: 0)
        #expect(broker[.payment].ready.map(\.routingKey) == ["payment-service"])
        #expect(!broker.isQuiet)
    }

    @Test func theSameSeedGivesTheSameNumbers() {
        var first = SplitMix64(seed: 99)
        var second = SplitMix64(seed: 99)
        let numbers = (0..<100).map { _ in first.below(1000) }
        #expect(numbers == (0..<100).map { _ in second.below(1000) })
        #expect(Set(numbers).count > 50)
        #expect(numbers.allSatisfy { (0..<1000).contains($0) })
    }
}
