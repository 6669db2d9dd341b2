import Contracts
import EventStore
import Foundation
import Logging
import Messaging
import Metrics

/// A parked message as operators see it.
public struct ParkedMessage: Codable, Sendable {
    /// The message id (the event id when the message had one).
    public var id: String
    public var eventType: String?
    public var correlationId: String?
    /// The service that published the original (its `app_id`).
    public var source: String?
    public var originalExchange: String?
    public var originalRoutingKey: String?
    /// `malformed` or `max_attempts_exceeded`.
    public var reason: String?
    /// The last failure's text.
    public var error: String?
    public var attempts: Int
    public var parkedAt: String
    /// The message body as received (it may not be valid JSON: that can be why it was parked).
    public var body: String

    init(_ stored: StoredParkedMessage) {
        let record = stored.record
        id = record.messageId
        eventType = record.eventType
        correlationId = record.correlationId
        source = record.source
        originalExchange = record.originalExchange
        originalRoutingKey = record.originalRoutingKey
        reason = record.reason
        error = record.error
        attempts = record.attempts
        parkedAt = Timestamp.format(record.parkedAt)
        body = String(decoding: record.body, as: UTF8.self)
    }
}

/// Why a dead-letter operation could not be done.
public enum DeadLetterError: Error, Sendable {
    case notFound(id: String)
    /// A replay in progress holds the message.
    case busy(id: String)
    /// The broker did not take the replayed messages; `replayed` of them had been taken before.
    case brokerUnavailable(replayed: Int, reason: String)
}

/// The service's dead letters as operators work them: listed, filtered and paged from the table
/// the ``DeadLetterKeeper`` fills, replayed to the work queue, deleted, one by one or in bulk.
///
/// A replay claims its rows (in chunks, for a bulk replay), publishes them `mandatory` with
/// confirms, and deletes them only then; a returned message means the topology is declared again
/// and the chunk published again. So a message is never replayed twice by two concurrent
/// requests, and never deleted before the broker has it.
public struct DeadLetterQueue: Sendable {
    let store: ParkedMessageStore
    let publishing: ManagedConnection
    let workQueue: String
    let logger: Logger
    /// Rows claimed and published at a time by a bulk replay.
    let chunkSize: Int
    private let parked = Gauge(label: "dead_letters_parked")
    private let replayed = Counter(label: "dead_letters_replayed_total")
    private let deleted = Counter(label: "dead_letters_deleted_total")

    /// - Parameters:
    ///   - publishing: a confirm-mode connection; its topology is declared again when a replayed message comes back unroutable.
    public init(
        database: some ServiceStore, publishing: ManagedConnection, retryPolicy: RetryPolicy, chunkSize: Int = 500, logger: Logger
    ) {
        store = ParkedMessageStore(database: database)
        self.publishing = publishing
        workQueue = retryPolicy.service.queue
        self.chunkSize = chunkSize
        self.logger = logger
    }

    /// One page of the messages matching `filter`, oldest parked first.
    public func list(
        filter: ParkedMessageFilter, after cursor: ParkedMessageCursor?, limit: Int
    ) async throws -> (messages: [ParkedMessage], total: Int, next: ParkedMessageCursor?) {
        let page = try await store.page(filter: filter, after: cursor, limit: limit)
        return (page.messages.map(ParkedMessage.init), page.total, page.next)
    }

    /// Sends the parked message back to the work queue with a fresh attempt count, then removes it.
    /// - Throws: ``DeadLetterError``.
    public func replay(id: String) async throws {
        let claim = store.newClaim()
        switch try await store.claim(id: id, claim: claim) {
        case .notFound: throw DeadLetterError.notFound(id: id)
        case .busy: throw DeadLetterError.busy(id: id)
        case .found(let message):
            try await publish([message], claim: claim, replayedBefore: 0)
            logger.notice("Dead letter replayed", metadata: ["event.id": "\(id)", "amqp.queue": "\(workQueue)"])
        }
    }

    /// Replays every message matching `filter` that was parked when the request began and that
    /// no other replay holds, chunk by chunk; returns how many were replayed.
    /// - Throws: ``DeadLetterError/brokerUnavailable(replayed:reason:)``; what was not replayed stays parked.
    public func replay(filter: ParkedMessageFilter) async throws -> Int {
        let last = try await store.lastSequence()
        var count = 0
        while true {
            let claim = store.newClaim()
            let chunk = try await store.claim(filter: filter, upTo: last, limit: chunkSize, claim: claim)
            guard !chunk.isEmpty else { break }
            count += try await publish(chunk, claim: claim, replayedBefore: count)
        }
        logger.notice("Dead letters replayed", metadata: ["dead_letters.replayed": "\(count)", "amqp.queue": "\(workQueue)"])
        return count
    }

    /// Removes the parked message for good.
    /// - Throws: ``DeadLetterError``.
    public func delete(id: String) async throws {
        switch try await store.delete(id: id) {
        case .notFound: throw DeadLetterError.notFound(id: id)
        case .busy: throw DeadLetterError.busy(id: id)
        case .found:
            deleted.increment()
            if let count = try? await store.count() { parked.record(count) }
            logger.notice("Dead letter deleted", metadata: ["event.id": "\(id)"])
        }
    }

    /// Removes every message matching `filter` that no replay holds; returns how many.
    public func delete(filter: ParkedMessageFilter) async throws -> Int {
        let (count, remaining) = try await store.delete(filter: filter)
        deleted.increment(by: count)
        parked.record(remaining)
        logger.notice("Dead letters deleted", metadata: ["dead_letters.deleted": "\(count)"])
        return count
    }

    /// Publishes the claimed messages, then deletes their rows (a row replaced meanwhile by the
    /// message parked again stays); on failure gives the claim back.
    /// - Returns: how many messages were replayed.
    @discardableResult
    private func publish(_ messages: [StoredParkedMessage], claim: String, replayedBefore: Int) async throws -> Int {
        let now = Date()
        let outgoing = messages.map { $0.record.replay(to: workQueue, now: now) }
        do {
            try await publishDeclaringOnReturn(outgoing)
        } catch {
            try? await store.release(claim: claim)
            logger.warning("Could not replay dead letters", metadata: ["error": "\(error)", "dead_letters.replayed": "\(replayedBefore)"])
            throw DeadLetterError.brokerUnavailable(replayed: replayedBefore, reason: "\(error)")
        }
        let remaining = try await store.finishReplay(claim: claim)
        replayed.increment(by: messages.count)
        parked.record(remaining)
        return messages.count
    }

    /// Publishes `messages` with confirms (``RoutedPublisher``: one that comes back unroutable
    /// has the topology declared again and is published again); gives up after 10 s.
    private func publishDeclaringOnReturn(_ messages: [OutgoingMessage]) async throws {
        let publisher = RoutedPublisher(connection: publishing, logger: logger)
        let outcomes = try await withTimeout(.seconds(10)) { await publisher.publish(messages) }
        if let failure = outcomes.lazy.compactMap({ $0 }).first { throw failure }
    }
}

/// Runs `body`, throwing `CancellationError` if it takes longer than `timeout` (then `body` is cancelled).
func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw CancellationError()
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw CancellationError() }
        return result
    }
}
