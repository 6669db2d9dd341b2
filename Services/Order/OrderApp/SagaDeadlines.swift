import Contracts
import EventStore
import Foundation
import GRDB

/// When each order's saga must be over, kept in the order-service's store so a restart forgets none.
enum SagaDeadlines {
    /// A row of `saga_deadlines`.
    struct Deadline: ServiceRecord {
        static let databaseTableName = "saga_deadlines"
        var orderId: String
        var dueAt: String

        enum CodingKeys: String, CodingKey {
            case orderId = "order_id"
            case dueAt = "due_at"
        }

        enum Columns {
            static let dueAt = Column(CodingKeys.dueAt)
        }
    }

    static func schedule(orderId: String, at dueAt: Date, in transaction: StoreTransaction) throws {
        try transaction.insert(Deadline(orderId: orderId, dueAt: Timestamp.format(dueAt)))
    }

    /// Up to `limit` orders whose deadline has passed, earliest first.
    static func due(at now: Date, limit: Int, in transaction: StoreTransaction) throws -> [String] {
        let due = Deadline.filter(Deadline.Columns.dueAt <= Timestamp.format(now)).order(Deadline.Columns.dueAt).limit(limit)
        return try transaction.fetchAll(due).map(\.orderId)
    }

    /// Whether any deadline is due at `stamp` (a ``Timestamp`` text), read without the write lock.
    static func anyDue(atOrBefore stamp: String, in reader: StoreReader) throws -> Bool {
        try !reader.fetchAll(Deadline.filter(Deadline.Columns.dueAt <= stamp).limit(1)).isEmpty
    }

    static func clear(orderId: String, in transaction: StoreTransaction) throws {
        try transaction.delete(Deadline.self, key: orderId)
    }
}
