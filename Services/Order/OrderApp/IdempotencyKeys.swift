import Contracts
import EventStore
import Foundation
import GRDB

/// Remembers which order an `Idempotency-Key` created, and from which request body.
enum IdempotencyKeys {
    /// A row of `idempotency_keys`.
    struct Entry: ServiceRecord {
        static let databaseTableName = "idempotency_keys"
        var key: String
        var request: String
        var orderId: String
        var createdAt: String

        enum CodingKeys: String, CodingKey {
            case key, request
            case orderId = "order_id"
            case createdAt = "created_at"
        }
    }

    static func find(_ key: String, in transaction: StoreTransaction) throws -> Entry? {
        try transaction.find(Entry.self, key: key)
    }

    static func record(_ key: String, request: String, orderId: String, in transaction: StoreTransaction) throws {
        try transaction.insert(Entry(key: key, request: request, orderId: orderId, createdAt: Timestamp.format(Date())))
    }
}
