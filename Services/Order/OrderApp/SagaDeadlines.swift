import Contracts
import EventStore
import Foundation
import GRDB

/// When each order's saga must be over, kept in the order-service's store so a restart forgets none.
enum SagaDeadlines {
    static func schedule(orderId: String, at dueAt: Date, in transaction: StoreTransaction) throws {
        try transaction.db.execute(
            sql: "INSERT INTO saga_deadlines (order_id, due_at) VALUES (?, ?)",
            arguments: [orderId, Timestamp.format(dueAt)]
        )
    }

    /// Up to `limit` orders whose deadline has passed, earliest first.
    static func due(at now: Date, limit: Int, in transaction: StoreTransaction) throws -> [String] {
        try String.fetchAll(
            transaction.db, sql: "SELECT order_id FROM saga_deadlines WHERE due_at <= ? ORDER BY due_at LIMIT ?",
            arguments: [Timestamp.format(now), limit]
        )
    }

    static func clear(orderId: String, in transaction: StoreTransaction) throws {
        try transaction.db.execute(sql: "DELETE FROM saga_deadlines WHERE order_id = ?", arguments: [orderId])
    }
}
