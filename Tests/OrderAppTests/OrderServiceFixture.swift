import AppTestSupport
import Contracts
import EventStore
import Foundation
import HummingbirdTesting
@testable import OrderApp
import ServiceKit

/// The order-service in-process: its routes, and its store opened beside it to look at what a request wrote.
struct OrderService {
    let client: any TestClientProtocol
    let store: EventStoreDatabase

    static let validOrder = #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": 2, "unitPrice": 1250}]}"#

    /// Runs `test` against a fresh order-service.
    static func run(environment: [String: String] = [:], _ test: @Sendable (OrderService) async throws -> Void) async throws {
        try await withInProcessService(.order, environment: environment, build: buildApplication) { client, configuration in
            let store = try EventStoreDatabase(path: configuration.databasePath, migrations: OrderSchema.migrations)
            try await test(OrderService(client: client, store: store))
        }
    }

    /// Places `body` and returns the new order's id.
    func place(_ body: String = validOrder) async throws -> String {
        let response = try await client.post("/orders", json: body)
        guard response.status == .accepted, let orderId = response.json["orderId"].string else {
            throw FixtureError("POST /orders answered \(response.status.code) \(response.text)")
        }
        return orderId
    }

    /// Whether the inbox recorded the event as handled.
    func hasHandled(_ eventId: String) async throws -> Bool {
        try await store.read { try $0.hasHandled(eventId: eventId) }
    }

    /// The events waiting in the outbox, oldest first: what the relay will publish.
    func outbox() async throws -> [StoredEvent] {
        try await store.read { try $0.unpublishedEvents(limit: 1000) }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
