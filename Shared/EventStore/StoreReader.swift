import Contracts
import EventSourcing
import Foundation
import GRDB

/// Reads of the event store, available in read and write transactions alike.
public protocol EventStoreReading {
    /// The transaction's connection, opaque outside this module: services read through the methods below.
    var connection: StoreConnection { get }
    /// The store's snapshot policy and upcasters.
    var settings: EventStoreSettings { get }
}

/// A transaction's connection as this module's readers use it; it offers nothing to other modules.
public struct StoreConnection {
    let db: Database
}

extension EventStoreReading {
    var db: Database { connection.db }

    /// The current state of one aggregate: its latest valid snapshot, if any, and the events after it.
    ///
    /// A snapshot is valid when it was written in the aggregate's current snapshot schema version
    /// and decodes; any other is ignored and the events are replayed from the start instead.
    /// Old events are upcast to their payload's current schema version on the way.
    public func load<State: Aggregate>(_ type: State.Type, id: String) throws -> Versioned<State> {
        try load(type, id: id, through: nil)
    }

    /// The state of one aggregate as of `version`: the events up to and including that version,
    /// from the latest valid snapshot at or before it.
    ///
    /// A stream shorter than `version` gives its current state: compare the result's `version`.
    public func load<State: Aggregate>(_ type: State.Type, id: String, upTo version: Int) throws -> Versioned<State> {
        try load(type, id: id, through: version)
    }

    /// The state of one aggregate replayed from its first event, ignoring snapshots (up to `version` if given).
    public func replay<State: Aggregate>(_ type: State.Type, id: String, upTo version: Int? = nil) throws -> Versioned<State> {
        try fold(Versioned(state: State.initial, version: 0), id: id, through: version)
    }

    private func load<State: Aggregate>(_ type: State.Type, id: String, through version: Int?) throws -> Versioned<State> {
        let start = try latestSnapshot(of: State.self, id: id, atOrBefore: version) ?? Versioned(state: State.initial, version: 0)
        return try fold(start, id: id, through: version)
    }

    /// `start` evolved with the events after its version, up to `version` when given.
    func fold<State: Aggregate>(_ start: Versioned<State>, id: String, through version: Int?) throws -> Versioned<State> {
        var versioned = start
        // Only what the fold needs: no metadata to parse per event.
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT version, event_type, schema_version, payload FROM events
            WHERE aggregate_type = ? AND aggregate_id = ? AND version > ? AND version <= ? ORDER BY version
            """), arguments: [State.aggregateType, id, start.version, version ?? Int.max])
        let upcasters = settings.upcasters
        let decoder = JSONCoding.decoder()
        while let row = try rows.next() {
            let event = try StoredEvent.decode(
                State.Event.self, eventType: row[1], schemaVersion: row[2], payloadJSON: row[3], upcasters: upcasters, decoder: decoder
            )
            versioned.state = versioned.state.evolve(with: event)
            versioned.version = row[0]
        }
        return versioned
    }

    /// The latest snapshot of the aggregate at or before `version`, written in its current snapshot
    /// schema version and decodable; `nil` when there is none or the aggregate is not snapshottable.
    public func latestSnapshot<State: Aggregate>(of type: State.Type, id: String, atOrBefore version: Int? = nil) throws -> Versioned<State>? {
        guard let snapshottable = State.self as? any SnapshottableAggregate.Type else { return nil }
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT version, state FROM snapshots
            WHERE aggregate_type = ? AND aggregate_id = ? AND schema_version = ? AND version <= ?
            ORDER BY version DESC
            """), arguments: [State.aggregateType, id, snapshottable.snapshotSchemaVersion, version ?? Int.max])
        while let row = try rows.next() {
            let json: String = row["state"]
            // A snapshot that does not decode in its declared schema is ignored (an older one or a full replay is used), never half-read.
            if let state = try? decodeSnapshot(snapshottable, from: Data(json.utf8)) as? State {
                return Versioned(state: state, version: row["version"])
            }
        }
        return nil
    }

    /// The version of the last event of one aggregate's stream (0 when it has none).
    public func currentVersion(of aggregateType: String, id: String) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT MAX(version) FROM events WHERE aggregate_type = ? AND aggregate_id = ?"),
            arguments: [aggregateType, id]
        ) ?? 0
    }

    /// The stored events of one aggregate, oldest first.
    public func events(of aggregateType: String, id: String) throws -> [StoredEvent] {
        try Row.fetchAll(db, sql: """
            SELECT \(StoredEvent.columns) FROM events
            WHERE aggregate_type = ? AND aggregate_id = ? ORDER BY version
            """, arguments: [aggregateType, id]).map(StoredEvent.init(row:))
    }

    /// Up to `limit` events committed after `position`, in commit order: the event feed.
    public func events(after position: Int64, limit: Int) throws -> [StoredEvent] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(StoredEvent.columns) FROM events WHERE position > ? ORDER BY position LIMIT ?
            """), arguments: [position, limit]).map(StoredEvent.init(row:))
    }

    /// Up to `limit` events not yet marked published, oldest first, after `position`; set-aside
    /// ones are skipped.
    public func unpublishedEvents(after position: Int64 = 0, limit: Int) throws -> [StoredEvent] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(StoredEvent.columns), outbox.traceparent FROM events JOIN outbox USING (position)
            WHERE events.position IN
                (SELECT position FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL AND position > ?
                 ORDER BY position LIMIT ?)
            ORDER BY events.position
            """), arguments: [position, limit]).map(StoredEvent.init(row:))
    }

    /// How many events wait in the outbox (set-aside ones not included).
    public func unpublishedCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL") ?? 0
    }

    /// Whether the message with this event id was already handled.
    public func hasHandled(eventId: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM inbox WHERE event_id = ?)"), arguments: [eventId]) ?? false
    }
}

/// A read-only view of the store.
public struct StoreReader: EventStoreReading {
    let db: Database
    public var connection: StoreConnection { StoreConnection(db: db) }
    public let settings: EventStoreSettings
}

private func decodeSnapshot<State: SnapshottableAggregate>(_ type: State.Type, from json: Data) throws -> State {
    try JSONCoding.decoder().decode(State.self, from: json)
}
