import Contracts
import EventSourcing
import EventStore
import Foundation
import Hummingbird
import OrderDomain
import ServiceKit
import Synchronization

/// `/orders`: place, read, cancel, and list an order's events.
struct OrdersController: Sendable {
    let database: EventStoreDatabase
    /// How long a saga may run before the order is cancelled with reason `timeout`.
    let sagaTimeout: Duration

    struct PlaceOrderRequest: Codable, Sendable {
        var customerId: String
        var currency: String
        var items: [OrderItem]
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/orders") { request, _ in try await place(request) }
        router.get("/orders/:orderId") { request, context in
            let orderId = try context.parameters.id("orderId")
            let version = try request.versionQuery()
            let order = try await database.read { try $0.load(Order.self, id: orderId, upTo: version ?? Int.max) }
                .answering(version: version, name: "Order \(orderId)")
            guard order.state.exists else { throw APIError.notFound("Order \(orderId) does not exist.") }
            return ConditionalResponse(tag: .version(order.version), JSONResponse(.ok, OrderRepresentation(order)))
        }
        router.post("/orders/:orderId/cancel") { _, context in try await cancel(try context.parameters.id("orderId")) }
        router.get("/orders/:orderId/events") { _, context in
            let orderId = try context.parameters.id("orderId")
            let events = try await database.read { try $0.events(of: Order.aggregateType, id: orderId) }
            guard let last = events.last else { throw APIError.notFound("Order \(orderId) does not exist.") }
            return ConditionalResponse(tag: .version(last.metadata.aggregateVersion), try EventListResponse(events: events, includePosition: true))
        }
    }

    private func place(_ request: Request) async throws -> JSONResponse<PlacedOrder> {
        var request = request
        let body = try await request.decodeJSON(as: PlaceOrderRequest.self)
        let idempotencyKey = try request.utf8Header("Idempotency-Key")
        if let idempotencyKey, !(1...200).contains(idempotencyKey.utf8.count)
            || Identifier.containsControlCharacters(idempotencyKey) {
            throw APIError.invalid("Idempotency-Key must be 1 to 200 bytes without control characters.")
        }
        let command = PlaceOrder(orderId: UUID().uuidString.lowercased(), customerId: body.customerId, currency: body.currency, items: body.items)
        let now = Date()
        let events = try decided { try Order.initial.place(command, now: now) }
        let deadline = now.addingTimeInterval(TimeInterval(sagaTimeout.components.seconds))
        // Only a request that can be retried under its key needs its body remembered.
        let requestFingerprint = try idempotencyKey.map { _ in try String(decoding: Self.canonicalEncoder.encode(body), as: UTF8.self) }
        let outcome = try await database.write { transaction -> IdempotentPlacement in
            if let idempotencyKey, let earlier = try IdempotencyKeys.find(idempotencyKey, in: transaction) {
                // By bytes: a body naming `café` in NFD is another request than one naming it in NFC.
                return requestFingerprint.map { Identifier.same(earlier.request, $0) } == true
                    ? .replayed(orderId: earlier.orderId) : .conflicting
            }
            try transaction.append(events, to: Order.aggregateType, id: command.orderId, expectedVersion: 0,
                                   context: EventContext(correlationId: command.orderId, causationId: nil, now: now))
            try SagaDeadlines.schedule(orderId: command.orderId, at: deadline, in: transaction)
            if let idempotencyKey, let requestFingerprint {
                try IdempotencyKeys.record(idempotencyKey, request: requestFingerprint, orderId: command.orderId, in: transaction)
            }
            return .placed
        }
        switch outcome {
        case .placed:
            return JSONResponse(.accepted, PlacedOrder(orderId: command.orderId, status: .pending), headers: Self.location(command.orderId))
        case .replayed(let orderId):
            let order = try await existingOrder(orderId)
            return JSONResponse(.ok, PlacedOrder(orderId: orderId, status: order.state.status ?? .pending), headers: Self.location(orderId))
        case .conflicting:
            throw APIError.conflict("idempotency_key_reused", "This Idempotency-Key was used with a different request body.")
        }
    }

    private func cancel(_ orderId: String) async throws -> JSONResponse<OrderRepresentation> {
        _ = try await existingOrder(orderId)
        // 202 only when this request's own decision cancelled the order. A concurrent cancellation,
        // or the saga, may cancel it between a first read and the write: then this request changed
        // nothing, and cancelling a cancelled order is 200.
        let cancelledHere = DecisionFlag()
        // Whether this request's decision ended the saga (the order was pending), for saga_duration_seconds.
        let endedSaga = DecisionFlag()
        // One clock reading per decision: the event's time and the order's `updatedAt` are the same instant.
        let now = Date()
        let after = try await database.execute(
            Order.self, id: orderId, context: { EventContext(correlationId: orderId, causationId: nil, now: now) }
        ) { order in
            let events = try decided { try order.cancel(reason: .customerRequest, now: now) }
            cancelledHere.set(!events.isEmpty)
            endedSaga.set(SagaEnds.outcome(of: order, after: events) != nil)
            return events
        }
        if endedSaga.isSet { SagaMetrics.recordEnd(.cancelled, placedAt: after.state.createdAt, endedAt: now) }
        return JSONResponse(cancelledHere.isSet ? .accepted : .ok, OrderRepresentation(after))
    }

    private func existingOrder(_ orderId: String) async throws -> Versioned<Order> {
        let order = try await database.read { try $0.load(Order.self, id: orderId) }
        guard order.state.exists else { throw APIError.notFound("Order \(orderId) does not exist.") }
        return order
    }

    private static func location(_ orderId: String) -> HTTPFields {
        [.location: "/orders/\(orderId)"]
    }

    private static let canonicalEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
}

/// Whether the last run of a decision appended events (a decision may run again after a lost race).
private final class DecisionFlag: Sendable {
    private let value = Mutex(false)
    func set(_ flag: Bool) { value.withLock { $0 = flag } }
    var isSet: Bool { value.withLock { $0 } }
}

private enum IdempotentPlacement: Sendable {
    case placed
    case replayed(orderId: String)
    case conflicting
}

/// Runs a domain decision, turning the order's refusals into HTTP errors.
private func decided(_ decide: () throws -> [OrderEvent]) throws -> [OrderEvent] {
    do {
        return try decide()
    } catch let error as OrderError {
        switch error {
        case .invalid(let field, let reason): throw APIError(.badRequest, code: "invalid_field", message: "\(field) \(reason).")
        case .notFound(let id): throw APIError.notFound("Order \(id) does not exist.")
        case .alreadyPlaced(let id): throw APIError.conflict("order_exists", "Order \(id) already exists.")
        }
    }
}
