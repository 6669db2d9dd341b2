import Contracts
import EventStore
import Foundation
import Logging
import Messaging
import Metrics
import ServiceLifecycle

/// Publishes committed events from the outbox, in commit order, and marks them sent once the broker confirmed them.
///
/// A batch is published with all its confirms in flight at once (pipelined), then marked in one
/// transaction. If the process dies between the confirm and the mark, the batch is published
/// again on restart: delivery is at-least-once and consumers deduplicate by event id.
///
/// A failed round (the store cannot be read or written, the broker refuses or is gone) is
/// retried with capped exponential backoff, 100 ms to 5 s (`outbox_relay_failures_total`). A
/// batch the broker confirmed but the store could not mark is only marked on the next round,
/// not published again.
public struct OutboxRelay: Service {
    let database: AppDatabase
    let connection: ManagedConnection
    let service: ServiceName
    let exchange: String
    let batchSize: Int
    let logger: Logger
    private let published = Counter(label: "outbox_published_total")
    /// Rounds that failed (store or broker) and were retried after a backoff.
    private let failures = Counter(label: "outbox_relay_failures_total")

    public init(database: AppDatabase, connection: ManagedConnection, service: ServiceName, exchange: String, batchSize: Int = 500, logger: Logger) {
        self.database = database
        self.connection = connection
        self.service = service
        self.exchange = exchange
        self.batchSize = batchSize
        self.logger = logger
    }

    public func run() async throws {
        var lastPrune = Date.distantPast
        // After a failure (store or broker), the next attempt waits 100 ms, doubling up to 5 s.
        let backoff = Backoff()
        // Confirmed by the broker but not yet marked (the store refused the write): marked
        // before anything else is read, so the batch is not published again meanwhile.
        var confirmedUnmarked: [Int64] = []
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if !confirmedUnmarked.isEmpty {
                do {
                    let positions = confirmedUnmarked
                    try await database.write { try $0.markPublished(positions: positions) }
                    published.increment(by: confirmedUnmarked.count)
                    confirmedUnmarked = []
                    backoff.reset()
                } catch {
                    await fail("Cannot mark published events; will retry", error, backoff, ["outbox.count": "\(confirmedUnmarked.count)"])
                    continue
                }
            }
            let batchSize = batchSize
            let batch: [StoredEvent]
            do {
                batch = try await database.read { try $0.unpublishedEvents(limit: batchSize) }
                if batch.isEmpty, Date().timeIntervalSince(lastPrune) > 60 {
                    lastPrune = Date()
                    try await database.write { try $0.prunePublished(before: Date().addingTimeInterval(-3600)) }
                }
            } catch {
                await fail("Cannot read the outbox; will retry", error, backoff, [:])
                continue
            }
            guard !batch.isEmpty else {
                await cancelWhenGracefulShutdown { await database.waitForAppend(timeout: .seconds(1)) }
                continue
            }
            let positions = batch.map(\.position)
            do {
                let open = try await cancelWhenGracefulShutdown { try await connection.connection() }
                let messages = try batch.map { try OutgoingMessage(event: $0, exchange: exchange, publisher: service) }
                // Cancelled on graceful shutdown (a broker under flow control may never confirm):
                // the rows stay unpublished and go out after the restart.
                try await cancelWhenGracefulShutdown { try await open.publish(messages) }
            } catch is CancellationError {
                break
            } catch AMQPError.cancelled {
                break
            } catch {
                await fail("Publishing failed; will retry", error, backoff, ["outbox.count": "\(batch.count)"])
                continue
            }
            do {
                try await database.write { try $0.markPublished(positions: positions) }
                published.increment(by: batch.count)
                backoff.reset()
                logger.debug("Published events", metadata: ["outbox.count": "\(batch.count)", "outbox.last": "\(positions.last ?? 0)"])
            } catch {
                confirmedUnmarked = positions
                await fail("Cannot mark published events; will retry", error, backoff, ["outbox.count": "\(batch.count)"])
            }
        }
    }

    /// Counts and logs a failed round, then waits the backoff's next delay (or until shutdown).
    private func fail(_ message: Logger.Message, _ error: any Error, _ backoff: Backoff, _ metadata: Logger.Metadata) async {
        failures.increment()
        let delay = backoff.next()
        var metadata = metadata
        metadata["error"] = "\(error)"
        metadata["retry.in"] = "\(delay)"
        logger.warning(message, metadata: metadata)
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
    }
}
