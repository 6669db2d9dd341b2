import AppTestSupport
import Contracts
import EventStore
import Foundation
import HummingbirdTesting
@testable import InventoryApp
import ServiceKit

/// The inventory-service in-process: its routes, and its store opened beside it.
struct InventoryService {
    let client: any TestClientProtocol
    let store: EventStoreDatabase

    /// Runs `test` against a fresh inventory-service.
    static func run(environment: [String: String] = [:], _ test: @Sendable (InventoryService) async throws -> Void) async throws {
        try await withInProcessService(.inventory, environment: environment, build: buildApplication) { client, configuration in
            try await test(InventoryService(client: client, store: try EventStoreDatabase(path: configuration.databasePath)))
        }
    }

    /// Restocks `quantity` units of `sku` through the API.
    func restock(_ sku: String, _ quantity: Int) async throws {
        let response = try await client.post("/products/\(sku)/restock", json: #"{"quantity": \#(quantity)}"#)
        guard response.status == .ok else { throw FixtureError("restock answered \(response.status.code) \(response.text)") }
    }

    /// `available` and `reserved` of `sku` through the API; `nil` when it does not exist.
    func stock(_ sku: String) async throws -> (available: Int, reserved: Int)? {
        let product = try await client.get("/products/\(sku)").json
        guard let available = product["available"].int, let reserved = product["reserved"].int else { return nil }
        return (available, reserved)
    }

    /// The events waiting in the outbox, oldest first.
    func outbox() async throws -> [StoredEvent] {
        try await store.read { try $0.unpublishedEvents(limit: 1000) }
    }

    /// Runs the inventory-service's reaction to `envelope` in one transaction of its store.
    func react(to envelope: EventEnvelope) async throws {
        try await store.write { transaction in try InventoryReactions().handle(envelope, in: transaction) }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The events of one order as other services publish them.
enum SagaEvents {
    static func paid(_ orderId: String, _ lines: [StockLine]) throws -> EventEnvelope {
        try Envelopes.received(
            PaymentAuthorized(orderId: orderId, customerId: "c-1", amount: 100, items: lines), aggregateId: orderId, correlationId: orderId)
    }

    static func cancelled(_ orderId: String, reason: CancellationReason = .customerRequest) throws -> EventEnvelope {
        try Envelopes.received(
            OrderCancelled(orderId: orderId, customerId: "c-1", reason: reason, cancelledAt: Date(timeIntervalSince1970: 1_800_000_000)),
            aggregateId: orderId, version: 2, correlationId: orderId)
    }
}
