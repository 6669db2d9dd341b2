import Foundation
import Messaging
import Testing

extension BrokerTests {
    @Suite("Throughput")
    struct ThroughputTests {
        @Test func thousandsOfConcurrentPublishesAreAllConfirmedAndConsumed() async throws {
            let names = Names()
            let count = 5_000
            let publisher = try await connect()
            try await publisher.declare(simpleTopology(names))

            let clock = ContinuousClock()
            let publishStart = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask { try await publisher.publish(message(names, body: "payload \(index)", id: "m-\(index)")) }
                }
                try await group.waitForAll()
            }
            report("publish-confirm, \(count) concurrent single publishes", count, clock.now - publishStart)
            #expect(try await publisher.queueMessageCount(queue: names.queue) == UInt32(count))

            let consumer = try await connect()
            let consumeStart = clock.now
            let batches = try await consumer.consume(queue: names.queue, prefetch: 100)
            var ids = Set<String>()
            while ids.count < count, let batch = await batches.next(max: 100) {
                for delivery in batch {
                    ids.insert(delivery.properties.messageId ?? "")
                    consumer.ack(delivery.deliveryTag)
                }
            }
            report("consume-ack, prefetch 100, one ack per message", count, clock.now - consumeStart)
            #expect(ids == Set((0..<count).map { "m-\($0)" }))
            await consumer.close()
            #expect(try await publisher.queueMessageCount(queue: names.queue) == 0)
            await publisher.close()
        }

        @Test func batchPublishIsConfirmedAsAWhole() async throws {
            let names = Names()
            let count = 5_000
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            let clock = ContinuousClock()
            let start = clock.now
            for chunk in stride(from: 0, to: count, by: 500) {
                try await connection.publish((chunk..<chunk + 500).map { message(names, body: "payload \($0)") })
            }
            report("publish-confirm, batches of 500", count, clock.now - start)
            #expect(try await connection.queueMessageCount(queue: names.queue) == UInt32(count))

            let consumeStart = clock.now
            let batches = try await connection.consume(queue: names.queue, prefetch: 500)
            var received = 0
            while received < count, let batch = await batches.next(max: 500) {
                received += batch.count
                connection.ack(batch[batch.count - 1].deliveryTag, multiple: true)
            }
            report("consume-ack, prefetch 500, one multiple-ack per batch", count, clock.now - consumeStart)
            #expect(received == count)
            await connection.close()
        }

        @Test func sequentialPublishAndPrefetchOneStayFast() async throws {
            let names = Names()
            let count = 500
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            let clock = ContinuousClock()
            let start = clock.now
            for index in 0..<count {
                try await connection.publish(message(names, body: "payload \(index)"))
            }
            report("publish-confirm, one at a time", count, clock.now - start)

            let consumeStart = clock.now
            let batches = try await connection.consume(queue: names.queue, prefetch: 1)
            var received = 0
            while received < count, let batch = await batches.next(max: 1) {
                received += batch.count
                connection.ack(batch[0].deliveryTag)
            }
            report("consume-ack, prefetch 1", count, clock.now - consumeStart)
            #expect(received == count)
            await connection.close()
        }
    }
}

/// Prints (does not assert) a rough rate: machines differ too much for a threshold.
private func report(_ what: String, _ count: Int, _ elapsed: Duration) {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("THROUGHPUT \(what): \(count) messages in \(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds)) msg/s")
}
