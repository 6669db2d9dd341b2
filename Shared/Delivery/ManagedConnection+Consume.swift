import Logging
import Messaging
import ServiceLifecycle

extension ManagedConnection {
    /// Consumes `queue` until graceful shutdown, starting again on every new connection.
    ///
    /// On shutdown it stops taking batches but finishes the one in hand; unacked deliveries go
    /// back to the queue when the connection closes.
    /// - Parameters:
    ///   - linger: when set, a batch smaller than `prefetch` waits this long for more deliveries
    ///     before it is processed: fewer, larger batches for a consumer whose cost is per batch,
    ///     at the price of that much latency.
    ///   - started: runs each time consuming (re)starts, e.g. to catch up on what the outage hid.
    ///   - process: handles one batch and acks it on the given connection.
    public func consumeUntilShutdown(
        queue: String, prefetch: UInt16, linger: Duration? = nil, logger: Logger, started: () -> Void = {},
        process: ([Delivery], AMQPConnection) async throws -> Void
    ) async {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let open = try await cancelWhenGracefulShutdown { try await self.connection() }
                let batches = try await open.consume(queue: queue, prefetch: prefetch)
                logger.info("Consuming", metadata: ["amqp.queue": "\(queue)"])
                started()
                let max = Int(prefetch)
                while var batch = await cancelWhenGracefulShutdown({ await batches.next(max: max) }) {
                    if let linger, batch.count < max {
                        try? await Task.sleep(for: linger)
                        batch += batches.takeBuffered(max: max - batch.count)
                    }
                    try await process(batch, open)
                }
            } catch is CancellationError {
                break
            } catch {
                logger.warning("Consuming stopped; resuming", metadata: ["amqp.queue": "\(queue)", "error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
            }
        }
    }
}
