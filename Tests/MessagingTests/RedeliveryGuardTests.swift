import Contracts
import Delivery
@testable import EventStore
import Foundation
import GRDB
import Messaging
import ServiceKit
import Synchronization
import TestSupport
import Testing

extension BrokerTests {
    /// The attempt journal of ``RedeliveryGuard`` with a real broker and a real SQLite file.
    @Suite("Counting deliveries that never finished")
    struct RedeliveryGuardTests {
        /// Every "process" here is a fresh store handle on the same file and a fresh connection:
        /// the handling dies (the connection drops with the message in hand) each time, and only
        /// the journal in the file remembers the earlier attempts.
        @Test func aMessageWhoseHandlingNeverFinishesIsParkedAfterMaxAttemptsAcrossRestarts() async throws {
            try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("journal.sqlite").path
                let policy = RetryPolicy(service: .inventory, delays: [100], maxAttempts: 3)
                try await withBrokerConnections(policy) { publishing, _ in
                    let setup = try await connect()
                    _ = try await setup.purge(queue: policy.service.queue)
                    _ = try await setup.purge(queue: policy.service.deadLetterQueue)
                    let id = UUID().uuidString.lowercased()
                    try await setup.publish(OutgoingMessage(
                        exchange: "", routingKey: policy.service.queue, body: Array(try envelope(id: id).body),
                        properties: MessageProperties(messageId: id)))

                    var handledAttempts: [Int] = []
                    for restart in 1...policy.maxAttempts + 1 {
                        let database = try EventStoreDatabase(path: path)
                        let forwarder = FailedMessageForwarder(publishing: publishing, retryPolicy: policy, logger: testLogger)
                        let guarding = RedeliveryGuard(database: database, forwarder: forwarder, logger: testLogger)
                        let consumer = try await connect(confirmMode: false)
                        let batches = try await consumer.consume(queue: policy.service.queue, prefetch: 10)
                        let batch = try #require(await batches.next(max: 10), "restart \(restart) gets the message")
                        #expect(batch.map(\.properties.messageId) == [id])
                        let handed = Mutex<[Delivery]>([])
                        do {
                            try await guarding.process(batch, on: consumer) { deliveries in
                                handed.withLock { $0 += deliveries }
                                throw ProcessDied()  // the handling never returns
                            }
                        } catch is ProcessDied {}
                        let seen = handed.withLock { $0 }
                        if let delivery = seen.first {
                            handledAttempts.append(delivery.attempt)
                            await consumer.close()  // died with the message in hand: the broker requeues it
                            continue
                        }
                        // Not handed over: parked instead.
                        #expect(restart == policy.maxAttempts + 1)
                        #expect(try await database.read { try $0.deliveryAttempts(messageId: id) } == 0, "forgotten once parked")
                        await consumer.close()
                    }
                    #expect(handledAttempts == [1, 2, 3], "the first delivery, then each redelivery with the attempt it really is")
                    let parked = try #require(try await setup.get(queue: policy.service.deadLetterQueue))
                    setup.ack(parked.deliveryTag)
                    #expect(parked.properties.messageId == id)
                    #expect(parked.properties.headers[DeliveryHeader.parkedReason] == .string("max_attempts_exceeded"))
                    #expect(parked.properties.headers[DeliveryHeader.attempts] == .int(Int64(policy.maxAttempts)))
                    guard case .string(let exception)? = parked.properties.headers[DeliveryHeader.exception] else {
                        Issue.record("no exception header: \(parked.properties.headers)")
                        return
                    }
                    #expect(exception.contains("process ended"))
                    #expect(try await setup.queueMessageCount(queue: policy.service.queue) == 0)
                    await setup.close()
                }
            }
        }

        /// The cost of the journal: the same messages through ``EventConsumer``, as first
        /// deliveries (batched) and all redelivered (one by one, journaled), three rounds each,
        /// alternating. Figures only.
        @Test func journaledRedeliveriesCostIsMeasuredAgainstTheBatchedPath() async throws {
            let count = 2_000
            try await withTemporaryDirectory { directory in
                let policy = RetryPolicy(service: .inventory, delays: [100], maxAttempts: 5)
                var figures: [String] = []
                for (round, redelivered) in [false, true, false, true, false, true].enumerated() {
                    // Fresh connections per run: a consumer of the first run must not hold messages of the second.
                    try await withBrokerConnections(policy) { publishing, consuming in
                        let database = try EventStoreDatabase(path: directory.appendingPathComponent("cost-\(round).sqlite").path)
                        let setup = try await connect()
                        _ = try await setup.purge(queue: policy.service.queue)
                        let messages = try (0..<count).map { _ in
                            let id = UUID().uuidString.lowercased()
                            return OutgoingMessage(
                                exchange: "", routingKey: policy.service.queue, body: Array(try envelope(id: id).body),
                                properties: MessageProperties(messageId: id))
                        }
                        try await setup.publish(messages)
                        if redelivered {
                            // Delivered once and never acked: all of them come back marked redelivered.
                            let holder = try await connect(confirmMode: false)
                            let batches = try await holder.consume(queue: policy.service.queue, prefetch: UInt16(count))
                            #expect(await collect(count, from: batches, max: count).count == count)
                            await holder.close()
                        }
                        let consumer = EventConsumer(
                            database: database, consuming: consuming, publishing: publishing, retryPolicy: policy,
                            handler: NoEffects(), logger: testLogger)
                        let clock = ContinuousClock()
                        let start = clock.now
                        let running = Task { try await consumer.run() }
                        while try await database.read({ try Int.fetchOne($0.db, sql: "SELECT COUNT(*) FROM inbox") ?? 0 }) < count {
                            try await Task.sleep(for: .milliseconds(5))
                        }
                        let elapsed = clock.now - start
                        // A redelivered message's journal row is forgotten just after its inbox row
                        // commits: the consumer is stopped only once the last one is gone.
                        try await waitUntil("every journaled delivery is forgotten", interval: .milliseconds(5)) {
                            let rows = try await database.read { try Int.fetchOne($0.db, sql: "SELECT COUNT(*) FROM delivery_attempts") ?? 0 }
                            return rows == 0 ? .done(()) : .notYet(seen: "\(rows) journal rows")
                        }
                        running.cancel()
                        _ = try? await running.value
                        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                        let line = String(
                            format: "round %d, %@: %d messages in %.3f s, %.0f msg/s, %.3f ms per message", round + 1,
                            redelivered ? "redelivered, journaled one by one" : "first deliveries, batched", count, seconds,
                            Double(count) / seconds, seconds * 1000 / Double(count))
                        figures.append(line)
                        print("[figures] attempt journal: \(line)")
                        await setup.close()
                    }
                }
                #expect(figures.count == 6)
            }
        }
    }
}

/// What a handling that kills the process looks like from the guard: it never returns.
private struct ProcessDied: Error {}

/// Handles every event by recording it in the inbox only.
private struct NoEffects: EventHandler {
    func handle(_ envelope: EventEnvelope, in transaction: StoreTransaction) throws {}
}

private func envelope(id: String) throws -> EventEnvelope {
    try EventEnvelope(
        metadata: EventMetadata(
            eventId: id, eventType: "OrderCancelled", schemaVersion: 1, aggregateType: "Order", aggregateId: "o-\(id)",
            aggregateVersion: 1, occurredAt: Date(), correlationId: "o-\(id)", causationId: nil),
        payloadJSON: Data(#"{"orderId":"o-\#(id)","reason":"customer_request"}"#.utf8))
}

private func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("redelivery-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// A service's two managed connections with its topology, running for the duration of `body`.
private func withBrokerConnections<T>(
    _ policy: RetryPolicy, _ body: (ManagedConnection, ManagedConnection) async throws -> T
) async throws -> T {
    let url = try AMQPURL(BrokerTrait.node.amqpURL)
    let topology = Topology.declared(by: policy)
    let publishing = ManagedConnection(url: url, name: "test publisher", confirmMode: true, topology: topology, logger: testLogger)
    let consuming = ManagedConnection(url: url, name: "test consumer", confirmMode: false, topology: topology, logger: testLogger)
    let runs = [Task { try await publishing.run() }, Task { try await consuming.run() }]
    defer { for run in runs { run.cancel() } }
    _ = try await publishing.connection()
    _ = try await consuming.connection()
    return try await body(publishing, consuming)
}
