import Messaging
import Testing

extension BrokerTests {
    @Suite("Declaring topology")
    struct TopologyTests {
        @Test func declaringTheSameTopologyTwiceSucceeds() async throws {
            let names = Names()
            let connection = try await connect()
            let topology = simpleTopology(names, queueArguments: [
                "x-message-ttl": 60_000, "x-dead-letter-exchange": .string(names.exchange),
                "x-dead-letter-routing-key": "parked",
            ])
            try await connection.declare(topology)
            try await connection.declare(topology)
            #expect(try await connection.queueMessageCount(queue: names.queue) == 0)
            #expect(connection.isOpen)
            await connection.close()
        }

        @Test func conflictingRedeclareThrowsTheServerErrorAndEndsTheConnection() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names, queueArguments: ["x-message-ttl": 1000]))

            let conflicting = Topology(queues: [QueueDeclaration(name: names.queue, arguments: ["x-message-ttl": 2000])])
            let error = await #expect(throws: AMQPError.self) { try await connection.declare(conflicting) }
            guard case .channelClosedByServer(let code, let text) = error else {
                Issue.record("expected a channel error, got \(String(describing: error))")
                return
            }
            #expect(code == 406)
            #expect(text.contains("PRECONDITION_FAILED"))
            #expect(await connection.waitUntilClosed() == error)
            #expect(!connection.isOpen)
            await #expect(throws: AMQPError.channelClosedByServer(code: code, text: text)) {
                try await connection.publish(message(names, body: "late"))
            }
        }
    }
}
