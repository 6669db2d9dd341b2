import Contracts
import Foundation
import GRDB

/// How far the relay is behind: what an operator alerts on.
public struct OutboxBacklog: Sendable, Equatable {
    /// Events waiting to be published (set-aside ones not included).
    public var pending: Int
    /// When the oldest of them was appended; `nil` when none waits.
    public var oldestAppendedAt: Date?

    public init(pending: Int, oldestAppendedAt: Date?) {
        self.pending = pending
        self.oldestAppendedAt = oldestAppendedAt
    }
}

extension EventStoreReading {
    /// The outbox's backlog: a count over the partial index of unpublished rows, and the oldest row's time.
    public func outboxBacklog() throws -> OutboxBacklog {
        let oldest = try String.fetchOne(db, sql: """
            SELECT events.occurred_at FROM outbox JOIN events USING (position)
            WHERE outbox.published_at IS NULL AND outbox.set_aside_at IS NULL
            ORDER BY outbox.position LIMIT 1
            """)
        let pending = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL") ?? 0
        return OutboxBacklog(pending: pending, oldestAppendedAt: oldest.flatMap(Timestamp.parse))
    }
}
