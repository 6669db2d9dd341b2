import AppTestSupport
import Contracts
import EventStore
import Foundation
import HummingbirdTesting
@testable import PaymentApp
import ServiceKit

/// The payment-service in-process: its routes, and its store opened beside it.
struct PaymentService {
    let client: any TestClientProtocol
    let store: EventStoreDatabase

    /// Runs `test` against a fresh payment-service.
    static func run(environment: [String: String] = [:], _ test: @Sendable (PaymentService) async throws -> Void) async throws {
        try await withInProcessService(.payment, environment: environment, build: buildApplication) { client, configuration in
            try await test(PaymentService(client: client, store: try EventStoreDatabase(path: configuration.databasePath)))
        }
    }

    /// Deposits `amount` into `customerId`'s account through the API.
    func deposit(_ amount: Int, to customerId: String = "c-1") async throws {
        let response = try await client.post("/accounts/\(customerId)/deposits", json: #"{"amount": \#(amount)}"#)
        guard response.status == .ok else { throw FixtureError("deposit answered \(response.status.code) \(response.text)") }
    }

    /// The account's balance through the API; `nil` when it does not exist.
    func balance(of customerId: String = "c-1") async throws -> Int? {
        try await client.get("/accounts/\(customerId)").json["balance"].int
    }

    /// `GET /payments/{orderId}`'s status; `nil` when there is no payment.
    func paymentStatus(_ orderId: String) async throws -> String? {
        try await client.get("/payments/\(orderId)").json["status"].string
    }

    /// Whether the inbox recorded the event as handled.
    func hasHandled(_ eventId: String) async throws -> Bool {
        try await store.read { try $0.hasHandled(eventId: eventId) }
    }

    /// The events waiting in the outbox, oldest first.
    func outbox() async throws -> [StoredEvent] {
        try await store.read { try $0.unpublishedEvents(limit: 1000) }
    }

    /// Runs the payment-service's reaction to `envelope` in one transaction of its store.
    func react(to envelope: EventEnvelope) async throws {
        try await store.write { transaction in try PaymentReactions().handle(envelope, in: transaction) }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The events of one order as other services publish them.
enum OrderEvents {
    static let lines = [OrderItem(sku: "SKU-1", quantity: 2, unitPrice: 1250)]

    static func placed(_ orderId: String, customerId: String = "c-1", items: [OrderItem] = lines) throws -> EventEnvelope {
        let total = items.reduce(0) { $0 + $1.quantity * $1.unitPrice }
        return try Envelopes.received(
            OrderPlaced(orderId: orderId, customerId: customerId, currency: "USD", items: items, total: total, placedAt: Date(timeIntervalSince1970: 1_800_000_000)),
            aggregateId: orderId, correlationId: orderId)
    }

    static func cancelled(_ orderId: String, customerId: String = "c-1", reason: CancellationReason = .customerRequest, version: Int = 2) throws -> EventEnvelope {
        try Envelopes.received(
            OrderCancelled(orderId: orderId, customerId: customerId, reason: reason, cancelledAt: Date(timeIntervalSince1970: 1_800_000_000)),
            aggregateId: orderId, version: version, correlationId: orderId)
    }

    static func reservationFailed(_ orderId: String, reason: ReservationFailure = .insufficientStock) throws -> EventEnvelope {
        let lines = reason == .orderCancelled ? [] : [StockLine(sku: "SKU-1", quantity: 2)]
        return try Envelopes.received(
            InventoryReservationFailed(orderId: orderId, items: lines, reason: reason, skus: reason == .orderCancelled ? [] : ["SKU-1"]),
            aggregateId: orderId, correlationId: orderId)
    }
}
