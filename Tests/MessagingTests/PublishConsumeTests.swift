import Foundation
import Messaging
import Testing

extension BrokerTests {
    @Suite("Publishing and consuming")
    struct PublishConsumeTests {
        @Test func confirmedMessageIsConsumedWithEveryPropertyAndHeader() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            let timestamp = Date(timeIntervalSince1970: 1_790_000_000)
            let properties = MessageProperties(
                messageId: "event-1", correlationId: "order-1", type: "OrderPlaced",
                contentType: "application/json", appId: "order-service", timestamp: timestamp,
                headers: [
                    "causation-id": "cause-1", "schema-version": 2, "traceparent": "00-abc-def-01",
                    "flag": true, "ratio": .double(0.5), "list": .array(["a", 1]), "nested": .table(["k": "v"]),
                ])
            let body = #"{"eventId":"event-1","payload":{"ü":"✓"}}"#
            try await connection.publish(OutgoingMessage(
                exchange: names.exchange, routingKey: "order.placed", body: Array(body.utf8), properties: properties))

            let batches = try await connection.consume(queue: names.queue, prefetch: 10)
            let delivery = try #require(await batches.next(max: 10)?.first)
            #expect(delivery.properties == properties)
            #expect(String(decoding: delivery.body, as: UTF8.self) == body)
            #expect(delivery.exchange == names.exchange)
            #expect(delivery.routingKey == "order.placed")
            #expect(!delivery.redelivered)
            connection.ack(delivery.deliveryTag)
            await connection.close()

            let checker = try await connect()
            #expect(try await checker.queueMessageCount(queue: names.queue) == 0)
            await checker.close()
        }

        @Test func transientMessageRoundTripsAsNotPersistent() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            var outgoing = message(names, body: "transient")
            outgoing.properties.persistent = false
            try await connection.publish(outgoing)
            let delivery = try #require(try await connection.get(queue: names.queue))
            #expect(delivery.properties == outgoing.properties)
            connection.ack(delivery.deliveryTag)
            await connection.close()
        }

        @Test func unackedMessageIsRedeliveredAfterTheConsumerCloses() async throws {
            let names = Names()
            let first = try await connect()
            try await first.declare(simpleTopology(names))
            try await first.publish(message(names, body: "once", id: "m-1"))
            let firstBatches = try await first.consume(queue: names.queue, prefetch: 1)
            let original = try #require(await firstBatches.next(max: 1)?.first)
            #expect(!original.redelivered)
            await first.close()

            let second = try await connect()
            let secondBatches = try await second.consume(queue: names.queue, prefetch: 1)
            let again = try #require(await secondBatches.next(max: 1)?.first)
            #expect(again.redelivered)
            #expect(again.properties.messageId == "m-1")
            second.ack(again.deliveryTag)
            await second.close()
        }

        @Test func rejectWithoutRequeueDropsTheMessage() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            try await connection.publish(message(names, body: "poison"))
            let batches = try await connection.consume(queue: names.queue, prefetch: 1)
            let delivery = try #require(await batches.next(max: 1)?.first)
            connection.reject(delivery.deliveryTag, requeue: false)
            await connection.close()

            let checker = try await connect()
            #expect(try await checker.queueMessageCount(queue: names.queue) == 0)
            await checker.close()
        }

        @Test func rejectWithRequeuePutsTheMessageBack() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            try await connection.publish(message(names, body: "retry me"))
            let first = try #require(try await connection.get(queue: names.queue))
            connection.reject(first.deliveryTag, requeue: true)
            let again = try #require(try await connection.get(queue: names.queue))
            #expect(again.redelivered)
            connection.ack(again.deliveryTag)
            #expect(try await connection.get(queue: names.queue) == nil)
            await connection.close()
        }

        @Test func publishingMandatoryToAnUnroutableKeyThrowsReturned() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(Topology(exchanges: [ExchangeDeclaration(name: names.exchange)]))
            await #expect(throws: AMQPError.returned(messageId: "lost-1", code: 312, text: "NO_ROUTE")) {
                try await connection.publish(message(names, body: "nobody listens", id: "lost-1", mandatory: true))
            }
            // Not mandatory: silently dropped by the broker, still confirmed.
            try await connection.publish(message(names, body: "dropped"))
            #expect(connection.isOpen)
            await connection.close()
        }

        @Test func mandatoryMessageWithoutMessageIdIsRefused() async throws {
            let names = Names()
            let connection = try await connect()
            var outgoing = message(names, body: "x", mandatory: true)
            outgoing.properties.messageId = nil
            await #expect(throws: AMQPError.self) { try await connection.publish(outgoing) }
            #expect(connection.isOpen)
            await connection.close()
        }

        @Test func nextReturnsBufferedDeliveriesInBatchesOfAtMostMax() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            try await connection.publish((0..<10).map { message(names, body: "\($0)", id: "m-\($0)") })
            let batches = try await connection.consume(queue: names.queue, prefetch: 10)
            try await Task.sleep(for: .milliseconds(300))  // let all ten arrive in the buffer

            var sizes: [Int] = []
            var ids: [String] = []
            while ids.count < 10, let batch = await batches.next(max: 4) {
                sizes.append(batch.count)
                ids += batch.compactMap(\.properties.messageId)
            }
            #expect(sizes == [4, 4, 2])
            #expect(ids == (0..<10).map { "m-\($0)" })
            await connection.close()
        }

        @Test func getReturnsTheNextMessageOrNilWhenEmpty() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            #expect(try await connection.get(queue: names.queue) == nil)
            try await connection.publish(message(names, body: "parked", id: "dl-1"))
            let delivery = try #require(try await connection.get(queue: names.queue))
            #expect(delivery.properties.messageId == "dl-1")
            #expect(String(decoding: delivery.body, as: UTF8.self) == "parked")
            connection.ack(delivery.deliveryTag)
            #expect(try await connection.get(queue: names.queue) == nil)
            await connection.close()
        }

        @Test func purgeRemovesReadyMessagesAndReportsHowMany() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            try await connection.publish((0..<3).map { message(names, body: "\($0)") })
            #expect(try await connection.queueMessageCount(queue: names.queue) == 3)
            #expect(try await connection.purge(queue: names.queue) == 3)
            #expect(try await connection.queueMessageCount(queue: names.queue) == 0)
            await connection.close()
        }

        @Test func publishingWithoutConfirmModeReturnsOnceSent() async throws {
            let names = Names()
            let setup = try await connect()
            try await setup.declare(simpleTopology(names))
            let connection = try await connect(confirmMode: false)
            try await connection.publish((0..<5).map { message(names, body: "\($0)") })
            let batches = try await setup.consume(queue: names.queue, prefetch: 5)
            let deliveries = await collect(5, from: batches)
            #expect(deliveries.count == 5)
            setup.ack(try #require(deliveries.last).deliveryTag, multiple: true)
            await connection.close()
            await setup.close()
        }
    }
}
