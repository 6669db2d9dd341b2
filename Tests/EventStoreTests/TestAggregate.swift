import EventSourcing
import Foundation
import GRDB

/// A minimal aggregate for exercising the store: a counter that can be incremented.
struct Incremented: EventPayload, Equatable {
    static let eventType = "CounterIncremented"
    static let aggregateType = "Counter"
    var by: Int
}

enum CounterEvent: EventFamily, Equatable {
    case incremented(Incremented)

    static let payloadTypes: [any EventPayload.Type] = [Incremented.self]

    init?(payload: any EventPayload) {
        guard let event = payload as? Incremented else { return nil }
        self = .incremented(event)
    }

    var payload: any EventPayload {
        switch self {
        case .incremented(let event): event
        }
    }
}

struct Counter: SnapshottableAggregate, Equatable {
    static let aggregateType = "Counter"
    static let snapshotSchemaVersion = 1
    static let initial = Counter(value: 0)
    var value: Int

    func evolve(with event: CounterEvent) -> Counter {
        switch event {
        case .incremented(let incremented): Counter(value: value + incremented.by)
        }
    }
}

/// Inserts an event row by hand, in whatever shape and schema version a test needs (as an older
/// version of the code would have written it).
func insertRawEvent(
    _ db: Database, aggregateType: String, id: String, version: Int, eventType: String, schemaVersion: Int, payload: String
) throws {
    try db.execute(sql: """
        INSERT INTO events (event_id, aggregate_type, aggregate_id, version, event_type, schema_version,
                            payload, correlation_id, causation_id, occurred_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'corr-raw', NULL, '2026-01-01T00:00:00.000Z')
        """, arguments: [UUID().uuidString.lowercased(), aggregateType, id, version, eventType, schemaVersion, payload])
}

/// The stored rows of one stream as they are on disk: schema version and payload text.
func rawRows(_ db: Database, aggregateType: String, id: String) throws -> [(schemaVersion: Int, payload: String)] {
    try Row.fetchAll(db, sql: """
        SELECT schema_version, payload FROM events WHERE aggregate_type = ? AND aggregate_id = ? ORDER BY version
        """, arguments: [aggregateType, id]).map { ($0["schema_version"], $0["payload"]) }
}

/// The versions at which one stream has snapshots, oldest first.
func snapshotVersions(_ db: Database, aggregateType: String, id: String) throws -> [Int] {
    try Int.fetchAll(db, sql: """
        SELECT version FROM snapshots WHERE aggregate_type = ? AND aggregate_id = ? ORDER BY version
        """, arguments: [aggregateType, id])
}
