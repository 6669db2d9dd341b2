import Foundation
import Logging
import Messaging
import ServiceLifecycle
import Synchronization

/// Keeps one broker connection open for as long as the service runs: connects, declares the
/// topology, and when the connection is lost, connects again with capped exponential backoff.
public final class ManagedConnection: Service, Sendable {
    private let url: AMQPURL
    private let name: String
    private let confirmMode: Bool
    private let topology: Topology
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var current: AMQPConnection?
        var waiters: [UUID: CheckedContinuation<AMQPConnection, any Error>] = [:]
        var stopped = false
    }

    /// - Parameters:
    ///   - name: shown in the broker's connection list and the logs.
    ///   - confirmMode: puts the channel in publisher-confirm mode (for publishing).
    public init(url: AMQPURL, name: String, confirmMode: Bool, topology: Topology, logger: Logger) {
        self.url = url
        self.name = name
        self.confirmMode = confirmMode
        self.topology = topology
        self.logger = logger
    }

    /// Whether the connection is up and its topology declared.
    public var isConnected: Bool { state.withLock { $0.current?.isOpen == true } }

    /// The open connection; waits while there is none.
    /// - Throws: `CancellationError` when the caller is cancelled or the service stopped.
    public func connection() async throws -> AMQPConnection {
        if let current = state.withLock({ $0.current }), current.isOpen { return current }
        let id = UUID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let outcome: Result<AMQPConnection, any Error>? = state.withLock { state in
                    if let current = state.current, current.isOpen { return .success(current) }
                    if state.stopped || Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Declares the topology again on the open connection (waiting for one while there is none):
    /// brings back a queue, or a binding, deleted under the running service. Declaring is idempotent.
    /// - Throws: the broker's error (the connection then ends and is reconnected), or `CancellationError`.
    public func redeclareTopology() async throws {
        let open = try await connection()
        try await open.declare(topology)
        logger.info("Declared the topology again", metadata: ["amqp.connection": "\(name)"])
    }

    public func run() async throws {
        var backoff = Duration.milliseconds(100)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let connection = try await AMQPConnection.connect(to: url, name: name, confirmMode: confirmMode, logger: logger)
                do {
                    try await connection.declare(topology)
                } catch {
                    await connection.close()
                    throw error
                }
                logger.info("Connected to the broker", metadata: ["amqp.connection": "\(name)"])
                backoff = .milliseconds(100)
                publish(connection)
                if await holdUntilLostOrShutdown(connection) { break }
                logger.warning("Lost the broker connection; reconnecting", metadata: ["amqp.connection": "\(name)"])
            } catch {
                logger.warning("Cannot reach the broker", metadata: [
                    "amqp.connection": "\(name)", "error": "\(error)", "retry.in": "\(backoff)",
                ])
                let delay = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        let waiters = state.withLock { state in
            state.stopped = true
            state.current = nil
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume(throwing: CancellationError()) }
    }

    private func publish(_ connection: AMQPConnection) {
        let waiters = state.withLock { state in
            state.current = connection
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume(returning: connection) }
    }

    /// Returns `true` when the service is shutting down (the connection is then closed), `false` when the connection was lost.
    private func holdUntilLostOrShutdown(_ connection: AMQPConnection) async -> Bool {
        let shuttingDown = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = await connection.waitUntilClosed()
                return false
            }
            group.addTask {
                try? await gracefulShutdown()
                return true
            }
            let first = await group.next() ?? true
            group.cancelAll()
            if first { await connection.close() }
            return first
        }
        state.withLock { $0.current = nil }
        return shuttingDown
    }
}
