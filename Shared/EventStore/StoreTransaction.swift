import Contracts
import EventSourcing
import Foundation
import GRDB

/// Where new events come from: the correlation (the order id) and the event that caused them.
public struct EventContext: Sendable {
    public var correlationId: String
    /// The event id that caused this change; `nil` for a client's command.
    public var causationId: String?
    public var now: Date

    public init(correlationId: String, causationId: String?, now: Date = Date()) {
        self.correlationId = correlationId
        self.causationId = causationId
        self.now = now
    }
}

/// One write transaction: appends, inbox records and the service's own changes commit together.
public struct StoreTransaction: EventStoreReading {
    public var connection: StoreConnection { StoreConnection(db: db) }
    /// The connection: for this module's typed access only, never handed to services.
    let db: Database
    let commits: Wakeup
    let aggregates: AggregateCache
    public let settings: EventStoreSettings
    /// The W3C `traceparent` stored with every event this transaction appends (see ``EventTraceContext``).
    public var traceParent: String?

    /// This transaction, appending under the trace context `traceParent` (a consumer's span per message).
    public func tracing(_ traceParent: String?) -> StoreTransaction {
        var transaction = self
        transaction.traceParent = traceParent
        return transaction
    }

    /// Appends `events` to an aggregate's stream and queues them in the outbox.
    ///
    /// Optimistic concurrency: the stream must still be at `expectedVersion`.
    /// - Returns: the stored events, with their versions and positions.
    /// - Throws: ``EventStoreError/concurrencyConflict(aggregateType:aggregateId:expectedVersion:)`` when another writer got there first.
    @discardableResult
    public func append<Family: EventFamily>(
        _ events: [Family], to aggregateType: String, id: String, expectedVersion: Int, context: EventContext
    ) throws -> [StoredEvent] {
        guard !events.isEmpty else { return [] }
        aggregates.forget(aggregateType: aggregateType, id: id)
        let encoder = JSONCoding.encoder()
        let occurredAt = Timestamp.format(context.now)
        // What is stored has millisecond precision; return exactly that.
        let occurredAtStored = Timestamp.parse(occurredAt) ?? context.now
        var stored: [StoredEvent] = []
        for (offset, event) in events.enumerated() {
            let payload = event.payload
            guard type(of: payload).aggregateType == aggregateType else {
                throw EventStoreError.wrongAggregate(eventType: payload.eventType, aggregateType: aggregateType)
            }
            let json = try encoder.encode(payload)
            let eventId = UUID().uuidString.lowercased()
            let version = expectedVersion + offset + 1
            do {
                // Cached statements: compiled once per connection, not once per append.
                try db.cachedStatement(sql: """
                    INSERT INTO events (event_id, aggregate_type, aggregate_id, version, event_type, schema_version,
                                        payload, correlation_id, causation_id, occurred_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [
                        eventId, aggregateType, id, version, payload.eventType, type(of: payload).schemaVersion,
                        String(decoding: json, as: UTF8.self), context.correlationId, context.causationId, occurredAt,
                    ])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw EventStoreError.concurrencyConflict(aggregateType: aggregateType, aggregateId: id, expectedVersion: expectedVersion)
            }
            let position = db.lastInsertedRowID
            try db.cachedStatement(sql: "INSERT INTO outbox (position, traceparent) VALUES (?, ?)").execute(arguments: [position, traceParent])
            stored.append(StoredEvent(
                metadata: EventMetadata(
                    eventId: eventId, eventType: payload.eventType, schemaVersion: type(of: payload).schemaVersion,
                    aggregateType: aggregateType, aggregateId: id, aggregateVersion: version, occurredAt: occurredAtStored,
                    correlationId: context.correlationId, causationId: context.causationId, position: position
                ),
                payloadJSON: json
            ))
        }
        let commits = commits
        db.afterNextTransaction { _ in commits.signal() }
        return stored
    }

    /// Appends the events an aggregate decided, at the version it was loaded at.
    ///
    /// When the aggregate is snapshottable and the new events take its stream across a multiple of
    /// the snapshot policy's interval, the state after them is snapshotted in this transaction too.
    @discardableResult
    public func append<State: Aggregate>(
        _ events: [State.Event], to aggregate: Versioned<State>, id: String, context: EventContext
    ) throws -> [StoredEvent] {
        let stored = try append(events, to: State.aggregateType, id: id, expectedVersion: aggregate.version, context: context)
        guard !events.isEmpty else { return stored }
        let after = Versioned(state: events.reduce(aggregate.state) { $0.evolve(with: $1) }, version: aggregate.version + events.count)
        if settings.snapshotPolicy.isDue(for: State.aggregateType, from: aggregate.version, to: after.version),
           let state = after.state as? any SnapshottableAggregate {
            try saveSnapshot(of: state, id: id, version: after.version, at: context.now)
        }
        aggregates.remember(after, id: id)
        return stored
    }

    /// The current state of one aggregate, as ``EventStoreReading/load(_:id:)`` gives it, from the
    /// state this process last appended to it while that is still the stream's current version
    /// (``AggregateCache``): a hot stream is not folded again at every command.
    public func load<State: Aggregate>(_ type: State.Type, id: String) throws -> Versioned<State> {
        let current = try currentVersion(of: State.aggregateType, id: id)
        if let cached = aggregates.state(type, id: id), cached.version <= current {
            return cached.version == current ? cached : try fold(cached, id: id, through: nil)
        }
        let loaded: Versioned<State> = try StoreReader(db: db, settings: settings).load(type, id: id)
        if loaded.version > 0 { aggregates.remember(loaded, id: id) }
        return loaded
    }

    /// Stores a snapshot of an aggregate's state at `aggregate.version` (replacing one at that version).
    ///
    /// Appends take snapshots by themselves, following the store's ``SnapshotPolicy``; this is for
    /// taking one out of turn. The state must be the fold of the stream's events up to that version.
    public func saveSnapshot<State: SnapshottableAggregate>(_ aggregate: Versioned<State>, id: String, at now: Date = Date()) throws {
        try saveSnapshot(of: aggregate.state, id: id, version: aggregate.version, at: now)
    }

    private func saveSnapshot<State: SnapshottableAggregate>(of state: State, id: String, version: Int, at now: Date) throws {
        let json = try JSONCoding.encoder().encode(state)
        try db.execute(sql: """
            INSERT INTO snapshots (aggregate_type, aggregate_id, version, schema_version, state, taken_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (aggregate_type, aggregate_id, version) DO UPDATE SET
                schema_version = excluded.schema_version, state = excluded.state, taken_at = excluded.taken_at
            """, arguments: [
                State.aggregateType, id, version, State.snapshotSchemaVersion,
                String(decoding: json, as: UTF8.self), Timestamp.format(now),
            ])
    }

    /// Records that the message with this event id was handled, in this transaction.
    public func recordHandled(eventId: String, at now: Date = Date()) throws {
        try db.cachedStatement(sql: "INSERT INTO inbox (event_id, handled_at) VALUES (?, ?)")
            .execute(arguments: [eventId, Timestamp.format(now)])
    }

    /// Marks outbox rows as confirmed by the broker.
    public func markPublished(positions: [Int64], at now: Date = Date()) throws {
        guard !positions.isEmpty else { return }
        // One cached statement run per row: no statement of its own to compile for each batch size.
        let mark = try db.cachedStatement(sql: "UPDATE outbox SET published_at = ? WHERE position = ?")
        let stamp = Timestamp.format(now)
        for position in positions { try mark.execute(arguments: [stamp, position]) }
    }

    /// Forgets outbox rows published before `cutoff` (their events stay in the store).
    public func prunePublished(before cutoff: Date) throws {
        try db.execute(sql: "DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < ?", arguments: [Timestamp.format(cutoff)])
    }

    /// Runs `body` once this transaction has committed (not at all if it rolls back): a metric
    /// or a signal about what it wrote.
    public func afterCommit(_ body: @escaping @Sendable () -> Void) {
        db.afterNextTransaction { _ in body() }
    }

    /// Runs `body` in a savepoint: if it throws, its changes are undone and the rest of the transaction goes on.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body()
            return .commit
        }
        return result!
    }
}
