import Contracts
import Foundation
import GRDB
import ServiceKit

/// A read-only snapshot of a read store: every query the read side answers, by name.
struct ReadModelReader {
    private let db: Database

    init(_ db: Database) {
        self.db = db
    }

    /// The entity tag of what this snapshot shows (``ReadSideTag``).
    func tag() throws -> EntityTag {
        try ReadSideTag.current(db)
    }

    /// Every source's applied position; a source not seen yet is at 0.
    func positions() throws -> [ServiceName: Int64] {
        try SourcePositions.all(db)
    }

    /// The order, once its `OrderPlaced` has been applied.
    func order(_ orderId: String) throws -> OrderView? {
        try Row.fetchOne(
            db, sql: "SELECT \(OrderView.columns) FROM order_views WHERE order_id = ? AND \(OrderView.placed)", arguments: [orderId]
        ).map(OrderView.init(row:))
    }

    /// The saga's timeline entries in the order they were applied.
    func timeline(of orderId: String) throws -> [TimelineEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM timeline WHERE order_id = ? ORDER BY sequence", arguments: [orderId])
            .map(TimelineEntry.init(row:))
    }

    /// The customer's balance, if an account event of theirs was applied.
    func balance(of customerId: String) throws -> Int? {
        try Int.fetchOne(db, sql: "SELECT balance FROM account_views WHERE customer_id = ?", arguments: [customerId])
    }

    /// The customer's orders, newest first.
    func orders(of customerId: String) throws -> [OrderView] {
        try Row.fetchAll(db, sql: """
            SELECT \(OrderView.columns) FROM order_views WHERE customer_id = ? ORDER BY created_at DESC, order_id DESC
            """, arguments: [customerId]).map(OrderView.init(row:))
    }

    /// One page of orders, newest first, after `cursor`: up to `limit`, and the cursor of the next page if there is one.
    func orders(status: String?, customerId: String?, after cursor: OrderCursor?, limit: Int) throws -> (orders: [OrderView], next: OrderCursor?) {
        var conditions = [OrderView.placed]
        var arguments: [any DatabaseValueConvertible] = []
        if let status { conditions.append("status = ?"); arguments.append(status) }
        if let customerId { conditions.append("customer_id = ?"); arguments.append(customerId) }
        if let cursor {
            conditions.append("(created_at, order_id) < (?, ?)")
            arguments += [cursor.createdAt, cursor.orderId]
        }
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(OrderView.columns) FROM order_views WHERE \(conditions.joined(separator: " AND "))
            ORDER BY created_at DESC, order_id DESC LIMIT ?
            """, arguments: StatementArguments(arguments + [limit + 1]))
        let orders = try rows.prefix(limit).map(OrderView.init(row:))
        let next = rows.count > limit ? rows[limit - 1] : nil
        return (orders, next.map { OrderCursor(createdAt: $0["created_at"], orderId: $0["order_id"]) })
    }

    /// Every product, by SKU.
    func products() throws -> [ProductView] {
        try Row.fetchAll(db, sql: "SELECT * FROM product_views ORDER BY sku").map { row in
            ProductView(sku: row["sku"], name: row["name"], available: row["available"], reserved: row["reserved"], version: row["version"])
        }
    }

    /// How many placed orders have each status (every status present, 0 included).
    func orderCounts() throws -> [String: Int] {
        var orders = ["PENDING": 0, "CONFIRMED": 0, "CANCELLED": 0]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM order_views WHERE \(OrderView.placed) GROUP BY status") {
            orders[row["status"]] = row["n"]
        }
        return orders
    }

    /// Per service, when its latest applied event occurred and how many were applied.
    func sourceProgress() throws -> [String: (lastEventAt: Date?, applied: Int)] {
        var progress: [String: (lastEventAt: Date?, applied: Int)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM source_progress") {
            progress[row["service"]] = (Timestamp.parse(row["last_event_at"]), row["applied"])
        }
        return progress
    }

    /// The source of each of these events that is applied already (every applied event is in the timeline), by id bytes.
    func appliedSources(of eventIds: [String]) throws -> [IdentifierKey: ServiceName] {
        var sources: [IdentifierKey: ServiceName] = [:]
        for start in stride(from: 0, to: eventIds.count, by: 500) {
            let ids = Array(eventIds[start..<min(start + 500, eventIds.count)])
            let marks = ids.map { _ in "?" }.joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: "SELECT event_id, service FROM timeline WHERE event_id IN (\(marks))", arguments: StatementArguments(ids))
            for row in rows { sources[IdentifierKey(row["event_id"])] = ServiceName(rawValue: row["service"]) }
        }
        return sources
    }

    /// The file named in `active_store`; `nil` while the read models live in the service's own file.
    func activeFileName() throws -> String? {
        try String.fetchOne(db, sql: "SELECT file_name FROM active_store")
    }
}
