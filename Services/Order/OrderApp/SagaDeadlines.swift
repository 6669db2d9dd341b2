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
        try transaction.fetchAll(passed(at: now).order(Deadline.Columns.dueAt).limit(limit)).map(\.orderId)
    }

    /// Whether any deadline has passed at `now`, read without the write lock.
    static func anyDue(at now: Date, in reader: StoreReader) throws -> Bool {
        try !reader.fetchAll(passed(at: now).limit(1)).isEmpty
    }

    private static func passed(at now: Date) -> QueryInterfaceRequest<Deadline> {
        Deadline.filter(Deadline.Columns.dueAt <= Timestamp.format(now))
    }

    static func clear(orderId: String, in transaction: StoreTransaction) throws {
        try transaction.delete(Deadline.self, key: orderId)
    }
}
