import Contracts
import Foundation
import GRDB

/// An outbox event the relay could not publish, set aside so the events behind it go on.
public struct SetAsideEvent: Sendable {
    public var event: StoredEvent
    /// Why it could not be published.
    public var reason: String
    public var setAsideAt: Date
}

extension StoreTransaction {
    /// Sets an unpublished outbox row aside with `reason`: the relay skips it from now on.
    public func setAside(position: Int64, reason: String, at now: Date = Date()) throws {
        try db.execute(
            sql: "UPDATE outbox SET set_aside_at = ?, set_aside_reason = ? WHERE position = ? AND published_at IS NULL",
            arguments: [Timestamp.format(now), reason, position]
        )
    }

    /// Puts a set-aside row back in the queue, in its original place (its position).
    /// - Returns: false when no set-aside row has that position.
    public func retrySetAside(position: Int64) throws -> Bool {
        try db.execute(
            sql: "UPDATE outbox SET set_aside_at = NULL, set_aside_reason = NULL WHERE position = ? AND set_aside_at IS NOT NULL",
            arguments: [position]
        )
        let retried = db.changesCount > 0
        if retried {
            let commits = commits
            db.afterNextTransaction { _ in commits.signal() }
        }
        return retried
    }
}

extension EventStoreReading {
    /// The events set aside, oldest position first (at most `limit`).
    public func setAsideEvents(limit: Int = 1000) throws -> [SetAsideEvent] {
        try Row.fetchAll(db, sql: """
            SELECT events.position, event_id, event_type, schema_version, aggregate_type, aggregate_id, version,
                   occurred_at, correlation_id, causation_id, payload, set_aside_reason, set_aside_at
            FROM outbox JOIN events ON events.position = outbox.position
            WHERE outbox.set_aside_at IS NOT NULL ORDER BY outbox.position LIMIT ?
            """, arguments: [limit]).map { row in
            SetAsideEvent(
                event: StoredEvent(row: row),
                reason: row["set_aside_reason"] ?? "",
                setAsideAt: Timestamp.parse(row["set_aside_at"] ?? "") ?? Date(timeIntervalSince1970: 0)
            )
        }
    }

    /// How many outbox rows are set aside.
    public func setAsideCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE set_aside_at IS NOT NULL") ?? 0
    }
}
