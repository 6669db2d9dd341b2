import EventSourcing
import Foundation
import GRDB

/// Reads of the event store, available in read and write transactions alike.
public protocol EventStoreReading {
    /// The underlying connection, for the service's own tables.
    var db: Database { get }
}

extension EventStoreReading {
    /// The current state of one aggregate, replayed from its events.
    public func load<State: Aggregate>(_ type: State.Type, id: String) throws -> Versioned<State> {
        var versioned = Versioned(state: State.initial, version: 0)
        for event in try events(of: State.aggregateType, id: id) {
            versioned.state = versioned.state.evolve(with: try event.decode(as: State.Event.self))
            versioned.version = event.metadata.aggregateVersion
        }
        return versioned
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
        try Row.fetchAll(db, sql: """
            SELECT \(StoredEvent.columns) FROM events WHERE position > ? ORDER BY position LIMIT ?
            """, arguments: [position, limit]).map(StoredEvent.init(row:))
    }

    /// Up to `limit` events not yet confirmed by the broker, oldest first.
    public func unpublishedEvents(limit: Int) throws -> [StoredEvent] {
        try Row.fetchAll(db, sql: """
            SELECT \(StoredEvent.columns) FROM events WHERE position IN
                (SELECT position FROM outbox WHERE published_at IS NULL ORDER BY position LIMIT ?)
            ORDER BY position
            """, arguments: [limit]).map(StoredEvent.init(row:))
    }

    /// How many events wait in the outbox.
    public func unpublishedCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL") ?? 0
    }

    /// Whether the message with this event id was already handled.
    public func hasHandled(eventId: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM inbox WHERE event_id = ?)", arguments: [eventId]) ?? false
    }
}

/// A read-only view of the store.
public struct StoreReader: EventStoreReading {
    public let db: Database
}
