import Foundation
import Messaging
import Testing
import TestSupport

/// The broker's flow control (`connection.blocked`): a memory alarm on the suite's own node.
@Suite("Flow control", .serialized, .privateBroker)
struct FlowControlTests {
    @Test func publishesWaitWhileTheBrokerBlocksAndAreConfirmedOnceItUnblocks() async throws {
        let names = Names()
        let connection = try await connect()
        try await connection.declare(simpleTopology(names))
        try await withMemoryAlarm {
            let publishing = Task {
                try await connection.publish((0..<500).map { message(names, body: "held-\($0)") })
            }
            try await waitUntilBlocked(connection)
            try await BrokerTrait.node.setMemoryHighWatermark("0.4")
            try await publishing.value
        }
        #expect(!connection.isBlocked)
        #expect(try await connection.queueMessageCount(queue: names.queue) == 500)
        await connection.close()
    }

    @Test func aPublishWaitingOnABlockedConnectionEndsWhenCancelledAndTheConnectionCloses() async throws {
        let names = Names()
        let connection = try await connect()
        try await connection.declare(simpleTopology(names))
        try await withMemoryAlarm {
            let publishing = Task {
                try await connection.publish((0..<500).map { message(names, body: "cancelled-\($0)") })
            }
            try await waitUntilBlocked(connection)
            publishing.cancel()
            await #expect(throws: AMQPError.cancelled) { try await publishing.value }
            // Blocked: the broker would not read a closing handshake; close drops the socket.
            await connection.close()
            #expect(!connection.isOpen)
            await #expect(throws: AMQPError.connectionClosed) { try await connection.publish(message(names, body: "late")) }
        }
    }

    /// Runs `body` with the node's memory alarm raised, and always clears it afterwards.
    private func withMemoryAlarm(_ body: () async throws -> Void) async throws {
        let node = try BrokerTrait.node
        try await node.setMemoryHighWatermark("0.000001")
        do {
            try await body()
        } catch {
            try? await node.setMemoryHighWatermark("0.4")
            throw error
        }
        try await node.setMemoryHighWatermark("0.4")
    }

    private func waitUntilBlocked(_ connection: AMQPConnection) async throws {
        _ = try await waitUntil("the broker blocks the connection (connection.blocked)", timeout: .seconds(30)) {
            connection.isBlocked ? .done(()) : .notYet(seen: "not blocked")
        }
    }
}
