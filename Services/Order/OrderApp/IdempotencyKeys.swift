import Contracts
import EventStore
import Foundation
import GRDB

/// Remembers which order an `Idempotency-Key` created, and from which request body.
enum IdempotencyKeys {
    struct Entry {
        var request: String
        var orderId: String
    }

    static func find(_ key: String, in transaction: StoreTransaction) throws -> Entry? {
        try Row.fetchOne(transaction.db, sql: "SELECT request, order_id FROM idempotency_keys WHERE key = ?", arguments: [key])
            .map { Entry(request: $0["request"], orderId: $0["order_id"]) }
    }

    static func record(_ key: String, request: String, orderId: String, in transaction: StoreTransaction) throws {
        try transaction.db.execute(
            sql: "INSERT INTO idempotency_keys (key, request, order_id, created_at) VALUES (?, ?, ?, ?)",
            arguments: [key, request, orderId, Timestamp.format(Date())]
        )
    }
}
