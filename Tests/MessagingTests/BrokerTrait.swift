import Testing
import TestSupport

/// Starts one private RabbitMQ node for the suite it is attached to and always stops it,
/// also when a test fails or throws. Tests read it from `BrokerTrait.node`.
struct BrokerTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: RabbitMQNode?

    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let node = try await RabbitMQNode.start()
        print("RabbitMQ node \(node.nodeName) on port \(node.amqpPort) started in \(clock.now - start)")
        do {
            try await Self.$current.withValue(node) { try await function() }
        } catch {
            await node.stop()
            throw error
        }
        await node.stop()
    }

    /// The node of the enclosing suite.
    static var node: RabbitMQNode {
        get throws { try #require(current, "the suite needs the .privateBroker trait") }
    }
}

extension Trait where Self == BrokerTrait {
    /// A private RabbitMQ node for the whole suite.
    static var privateBroker: Self { BrokerTrait() }
}
