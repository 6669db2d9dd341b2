import Contracts
import Delivery
import EventStore
import Foundation
import Hummingbird

/// `/admin/outbox/set-aside`: the events the relay could not publish, and putting one back in
/// the queue once its cause is fixed (behind ``AdminAuthMiddleware``).
public struct OutboxController<Context: RequestContext>: Sendable {
    let database: EventStoreDatabase

    public init(database: EventStoreDatabase) {
        self.database = database
    }

    /// One set-aside event: where it is in the outbox, what it is and why it was set aside.
    struct Item: Codable, Sendable {
        var position: Int64
        var eventId: String
        var eventType: String
        var aggregateType: String
        var aggregateId: String
        var correlationId: String
        var reason: String
        var setAsideAt: String

        init(_ setAside: SetAsideEvent) {
            let metadata = setAside.event.metadata
            position = setAside.event.position
            eventId = metadata.eventId
            eventType = metadata.eventType
            aggregateType = metadata.aggregateType
            aggregateId = metadata.aggregateId
            correlationId = metadata.correlationId
            reason = setAside.reason
            setAsideAt = Timestamp.format(setAside.setAsideAt)
        }
    }

    struct Page: Codable, Sendable {
        var setAside: [Item]
        var total: Int
    }

    public func register(on group: RouterGroup<Context>) {
        group.get("outbox/set-aside") { request, _ in
            let limit = try request.integerQuery("limit", default: 100, in: 1...1000)
            let (total, events) = try await database.read { reader in
                (try reader.setAsideCount(), try reader.setAsideEvents(limit: limit))
            }
            return JSONResponse(.ok, Page(setAside: events.map(Item.init), total: total))
        }
        group.post("outbox/set-aside/:position/retry") { _, context in
            let text = try context.parameters.id("position")
            guard let position = Int64(text), position > 0 else {
                throw APIError.invalid("position must be a positive integer, got '\(text)'.")
            }
            let count = try await database.write { transaction -> Int? in
                guard try transaction.retrySetAside(position: position) else { return nil }
                return try transaction.setAsideCount()
            }
            guard let count else { throw APIError.notFound("No set-aside outbox event at position \(position).") }
            OutboxRelay.setAsideGauge.record(count)
            return JSONResponse(.accepted, RetryAnswer(position: position, status: "queued"))
        }
    }

    struct RetryAnswer: Codable, Sendable {
        var position: Int64
        var status: String
    }
}
