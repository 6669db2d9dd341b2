import Contracts
import Foundation
import GRDB

/// An order joined with its payment and reservation, as the read side serves it.
struct OrderView: Codable, Sendable {
    struct PaymentPart: Codable, Sendable {
        var status: String
        var amount: Int
    }

    struct InventoryPart: Codable, Sendable {
        var status: String
    }

    var orderId: String
    var customerId: String
    var status: String
    var items: [OrderItem]
    var total: Int
    var currency: String
    var cancellationReason: String?
    var version: Int
    var createdAt: Date
    var updatedAt: Date
    var payment: PaymentPart?
    var inventory: InventoryPart?

    static let columns = """
        order_id, customer_id, status, items, total, currency, cancellation_reason, version, created_at, updated_at,
        payment_status, payment_amount, inventory_status
        """

    /// Only rows whose `OrderPlaced` has arrived are orders the read side shows.
    static let placed = "customer_id IS NOT NULL"

    init(row: Row) throws {
        orderId = row["order_id"]
        customerId = row["customer_id"]
        status = row["status"]
        items = try JSONCoding.decoder().decode([OrderItem].self, from: Data((row["items"] as String).utf8))
        total = row["total"]
        currency = row["currency"]
        cancellationReason = row["cancellation_reason"]
        version = row["version"]
        createdAt = Timestamp.parse(row["created_at"]) ?? Date(timeIntervalSince1970: 0)
        updatedAt = Timestamp.parse(row["updated_at"]) ?? createdAt
        if let status: String = row["payment_status"] {
            payment = PaymentPart(status: status, amount: row["payment_amount"])
        }
        if let status: String = row["inventory_status"] {
            inventory = InventoryPart(status: status)
        }
    }
}

/// A product's stock, as the read side serves it.
struct ProductView: Codable, Sendable {
    var sku: String
    var name: String
    var available: Int
    var reserved: Int
    var version: Int
}

/// One step of a saga, as the timeline shows it.
struct TimelineEntry: Codable, Sendable {
    var service: String
    var eventType: String
    var eventId: String
    var causationId: String?
    var correlationId: String
    var aggregateType: String
    var aggregateId: String
    var aggregateVersion: Int
    var occurredAt: Date

    init(row: Row) {
        service = row["service"]
        eventType = row["event_type"]
        eventId = row["event_id"]
        causationId = row["causation_id"]
        correlationId = row["order_id"]
        aggregateType = row["aggregate_type"]
        aggregateId = row["aggregate_id"]
        aggregateVersion = row["aggregate_version"]
        occurredAt = Timestamp.parse(row["occurred_at"]) ?? Date(timeIntervalSince1970: 0)
    }

    /// Orders entries so that every cause comes before its effects, otherwise by time of occurrence.
    static func causalOrder(_ entries: [TimelineEntry]) -> [TimelineEntry] {
        let byTime = entries.sorted { ($0.occurredAt, $0.eventId) < ($1.occurredAt, $1.eventId) }
        let ids = Set(byTime.map { IdentifierKey($0.eventId) })
        var emitted = Set<IdentifierKey>()
        var result: [TimelineEntry] = []
        var pending = byTime
        while !pending.isEmpty {
            let before = pending.count
            pending.removeAll { entry in
                guard let cause = entry.causationId.map({ IdentifierKey($0) }), ids.contains(cause), !emitted.contains(cause) else {
                    result.append(entry)
                    emitted.insert(IdentifierKey(entry.eventId))
                    return true
                }
                return false
            }
            if pending.count == before {
                result += pending
                break
            }
        }
        return result
    }
}
