import EventStore
import Foundation
import Logging
import Messaging
import Metrics
import ServiceLifecycle
import Synchronization

/// A crash-proof attempt count: a message whose handling kills the process is parked after
/// `MAX_DELIVERY_ATTEMPTS` instead of being replayed forever.
///
/// First deliveries go to the consumer's batched path unchanged. A delivery the broker marks
/// `redelivered` was delivered before and never settled: the process died (or the connection was
/// lost) while it was in hand. Each such delivery is handled on its own, and before that an
/// attempt journal row (its message id, attempts so far) is committed in the service's store, so
/// the count survives the next crash. Once the retry header (`x-attempts`) and the journal say it
/// already had `maxAttempts` attempts, it is parked with reason `max_attempts_exceeded`, unhandled.
/// The row is forgotten once the message is handled or parked; rows of messages that never came
/// back are pruned after a week.
///
/// A consumer adopts it in its consume loop:
/// ```swift
/// try await redeliveries.process(batch, on: connection) { try await process($0, on: connection) }
/// ```
/// `process` receives each redelivered delivery alone, its `x-attempts` header set to the
/// attempt it really is, so a failure it forwards is retried or parked with the right count.
public struct RedeliveryGuard: Sendable {
    let journal: DeliveryTables
    let forwarder: FailedMessageForwarder
    let maxAttempts: Int
    let logger: Logger
    private let pruning = PruneSchedule()
    private let isolated = Counter(label: "messages_redelivered_total")
    /// Shared with ``EventConsumer``: a journal row that cannot be committed is a batch that cannot be.
    private let commitFailures = Counter(label: "consumer_commit_failures_total")
    private let journalBackoff = Backoff()

    /// - Parameter journal: the tables that hold the journal, in the service's own store.
    public init(journal: DeliveryTables, forwarder: FailedMessageForwarder, logger: Logger) {
        self.journal = journal
        self.forwarder = forwarder
        maxAttempts = forwarder.retryPolicy.maxAttempts
        self.logger = logger
    }

    /// Journals in `database`.
    public init(database: some ServiceStore, forwarder: FailedMessageForwarder, logger: Logger) {
        self.init(journal: database.deliveryTables, forwarder: forwarder, logger: logger)
    }

    /// Hands `batch` to `process` in its order: runs of first deliveries as they are, each
    /// redelivered delivery alone after journaling it, or parks it without calling `process`.
    /// - Throws: what `process` throws (the rest of the batch is then left unsettled, the broker redelivers it).
    public func process(
        _ batch: [Delivery], on connection: AMQPConnection, _ process: ([Delivery]) async throws -> Void
    ) async throws {
        var run: [Delivery] = []
        for delivery in batch {
            guard delivery.redelivered else {
                run.append(delivery)
                continue
            }
            if !run.isEmpty {
                try await process(run)
                run.removeAll()
            }
            try await isolate(delivery, on: connection, process)
        }
        if !run.isEmpty { try await process(run) }
        await pruneWhenDue()
    }

    private func isolate(_ delivery: Delivery, on connection: AMQPConnection, _ process: ([Delivery]) async throws -> Void) async throws {
        isolated.increment()
        let key = Self.journalKey(of: delivery)
        let journaled: Int
        do {
            journaled = try await journal.journalAttempt(messageId: key)
        } catch {
            // The store cannot be written: nothing can be handled either. Wait (longer after each
            // failure in a row), then let the broker redeliver it.
            commitFailures.increment()
            let delay = journalBackoff.next()
            logger.error("Could not journal a redelivered message; requeueing it", metadata: [
                "event.id": "\(key)", "error": "\(error)", "retry.in": "\(delay)",
            ])
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            connection.reject(delivery.deliveryTag, requeue: true)
            return
        }
        journalBackoff.reset()
        // Before this delivery: the failed ones of the retry header, the unjournaled first delivery
        // of this copy (its batch never settled), and the journaled ones that never finished.
        let previous = delivery.attempt + journaled - 1
        guard previous < maxAttempts else {
            let reason = "the process ended (crashed or was killed) while handling this message, \(previous) attempts without an outcome"
            if await forwarder.park(delivery, attempts: previous, reason: reason, acking: connection) { await forget(key) }
            return
        }
        var counted = delivery
        counted.properties.headers[DeliveryHeader.attempts] = .int(Int64(previous + 1))
        logger.info("Handling a redelivered message on its own", metadata: [
            "event.id": "\(key)", "delivery.attempt": "\(previous + 1)", "delivery.max_attempts": "\(maxAttempts)",
        ])
        try await process([counted])
        await forget(key)
    }

    private func forget(_ key: String) async {
        do {
            try await journal.forgetAttempts(messageId: key)
        } catch {
            logger.warning("Could not forget a journaled delivery; it is pruned later", metadata: ["event.id": "\(key)", "error": "\(error)"])
        }
    }

    private func pruneWhenDue() async {
        guard pruning.isDue() else { return }
        try? await journal.pruneAttempts(before: Date().addingTimeInterval(-7 * 24 * 3600))
    }

    /// The message id, or for a message without one a hash of its body.
    static func journalKey(of delivery: Delivery) -> String {
        if let id = delivery.properties.messageId, !id.isEmpty { return id }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in delivery.body { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return "body-fnv1a:" + String(hash, radix: 16)
    }
}

/// Once an hour at most.
private final class PruneSchedule: Sendable {
    private let last = Mutex(Date.distantPast)

    func isDue(now: Date = Date()) -> Bool {
        last.withLock { last in
            guard now.timeIntervalSince(last) > 3600 else { return false }
            last = now
            return true
        }
    }
}
