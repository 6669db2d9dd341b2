import Foundation
import Messaging
import Testing

extension BrokerTests {
    @Suite("Connection lifecycle")
    struct LifecycleTests {
        @Test func closingTheConnectionEndsNextAndWaitUntilClosed() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            let batches = try await connection.consume(queue: names.queue, prefetch: 10)
            async let waiting = batches.next(max: 10)
            async let closedWith = connection.waitUntilClosed()
            try await Task.sleep(for: .milliseconds(50))

            await connection.close()
            #expect(await waiting == nil)
            #expect(await closedWith == nil)
            #expect(!connection.isOpen)
            #expect(await batches.next(max: 1) == nil)
            await #expect(throws: AMQPError.connectionClosed) { try await connection.publish(message(names, body: "late")) }
            connection.ack(1)  // ignored, must not crash or hang
            await connection.close()  // closing twice is fine
        }

        @Test func publishesInFlightWhenClosingAreConfirmedOrFailNeverLeftHanging() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            let outcomes = await withTaskGroup(of: AMQPError?.self) { group in
                for index in 0..<2_000 {
                    group.addTask {
                        do throws(AMQPError) {
                            try await connection.publish(message(names, body: "\(index)"))
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                group.addTask {
                    await connection.close()
                    return nil
                }
                return await group.reduce(into: [AMQPError?]()) { $0.append($1) }
            }
            #expect(outcomes.count == 2_001)
            #expect(outcomes.allSatisfy { $0 == nil || $0 == .connectionClosed })
        }

        @Test func cancellingTheWaitingTaskMakesNextReturnNil() async throws {
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            let batches = try await connection.consume(queue: names.queue, prefetch: 10)
            let waiter = Task { await batches.next(max: 10) }
            try await Task.sleep(for: .milliseconds(50))
            waiter.cancel()
            #expect(await waiter.value == nil)
            // The consumer itself goes on.
            try await connection.publish(message(names, body: "after cancel"))
            #expect(await batches.next(max: 10)?.count == 1)
            await connection.close()
        }

        @Test func brokerOutageIsReportedAsTheConnectionEnding() async throws {
            let node = try BrokerTrait.node
            let names = Names()
            let connection = try await connect()
            try await connection.declare(simpleTopology(names))
            let batches = try await connection.consume(queue: names.queue, prefetch: 10)

            try await node.stopApp()
            let error = await connection.waitUntilClosed()
            try await node.startApp()

            guard case .connectionClosedByServer(let code, _) = error else {
                Issue.record("expected the broker to close the connection, got \(String(describing: error))")
                return
            }
            #expect(code == 320)  // CONNECTION_FORCED
            #expect(!connection.isOpen)
            #expect(await batches.next(max: 1) == nil)
            await #expect(throws: AMQPError.self) { try await connection.publish(message(names, body: "lost")) }

            let again = try await connect()
            try await again.publish(message(names, body: "back"))
            #expect(try await again.queueMessageCount(queue: names.queue) == 1)
            await again.close()
        }

        @Test func unreachableBrokerFailsToConnect() async throws {
            let url = AMQPURL(host: "127.0.0.1", port: 1)
            await #expect(throws: AMQPError.self) {
                _ = try await AMQPConnection.connect(to: url, name: "nowhere", confirmMode: true, logger: testLogger)
            }
        }

        @Test func wrongPasswordIsReportedAsLoginRefused() async throws {
            var url = try AMQPURL(BrokerTrait.node.amqpURL)
            url.password = "wrong"
            let error = await #expect(throws: AMQPError.self) {
                _ = try await AMQPConnection.connect(to: url, name: "intruder", confirmMode: true, logger: testLogger)
            }
            guard case .loginRefused(let user, _, let reason) = error else {
                Issue.record("expected loginRefused, got \(String(describing: error))")
                return
            }
            #expect(user == "guest")
            #expect(reason.contains("ACCESS_REFUSED"))
        }
    }
}
