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
public struct OutboxRelay: Service {
    let database: AppDatabase
    let connection: ManagedConnection
    let service: ServiceName
    let exchange: String
    let batchSize: Int
    let logger: Logger
    private let published = Counter(label: "outbox_published_total")

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
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let batchSize = batchSize
            let batch: [StoredEvent]
            do {
                batch = try await database.read { try $0.unpublishedEvents(limit: batchSize) }
                if batch.isEmpty, Date().timeIntervalSince(lastPrune) > 60 {
                    lastPrune = Date()
                    try await database.write { try $0.prunePublished(before: Date().addingTimeInterval(-3600)) }
                }
            } catch {
                logger.error("Cannot read the outbox; will retry", metadata: ["error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
                continue
            }
            guard !batch.isEmpty else {
                await cancelWhenGracefulShutdown { await database.waitForAppend(timeout: .seconds(1)) }
                continue
            }
            do {
                let open = try await cancelWhenGracefulShutdown { try await connection.connection() }
                let messages = try batch.map { try OutgoingMessage(event: $0, exchange: exchange, publisher: service) }
                try await open.publish(messages)
                let positions = batch.map(\.position)
                try await database.write { try $0.markPublished(positions: positions) }
                published.increment(by: batch.count)
                logger.debug("Published events", metadata: ["outbox.count": "\(batch.count)", "outbox.last": "\(positions.last ?? 0)"])
            } catch is CancellationError {
                break
            } catch {
                logger.warning("Publishing failed; will retry", metadata: ["error": "\(error)", "outbox.count": "\(batch.count)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(200)) }
            }
        }
    }
}
