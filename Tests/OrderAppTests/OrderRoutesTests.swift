import AppTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import OrderApp
import Testing

/// The order-service built by `buildApplication`, on a temporary store, without a broker.
@Suite struct OrderRoutesTests {
    private static let order = #"{"customerId":"c-1","currency":"EUR","items":[{"sku":"sku-1","quantity":2,"unitPrice":150}]}"#

    @Test func placingAnOrderAnswers202WithThePendingOrderAndItsLocation() async throws {
        try await withTemporaryConfiguration(.order) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let placed = try await client.execute(uri: "/orders", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: Self.order))
                #expect(placed.status == .accepted)
                let body = try JSONDecoder().decode([String: String].self, from: Data(buffer: placed.body))
                let orderId = try #require(body["orderId"])
                #expect(body["status"] == "PENDING")
                #expect(placed.headers[.location] == "/orders/\(orderId)")

                let read = try await client.execute(uri: "/orders/\(orderId)", method: .get)
                #expect(read.status == .ok)
            }
        }
    }

    @Test func readingAnUnknownOrderAnswers404InTheErrorShape() async throws {
        try await withTemporaryConfiguration(.order) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/orders/no-such-order", method: .get)
                #expect(response.status == .notFound)
                #expect(try ErrorBody(Data(buffer: response.body)).error.code == "not_found")
            }
        }
    }

    @Test func anOrderWithoutItemsAnswers400AndStoresNothing() async throws {
        try await withTemporaryConfiguration(.order) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(
                    uri: "/orders", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"customerId":"c-1","currency":"EUR","items":[]}"#)
                )
                #expect(response.status == .badRequest)
                #expect(try ErrorBody(Data(buffer: response.body)).error.code == "invalid_field")
                let feed = try await client.execute(uri: "/events", method: .get)
                #expect(feed.status == .ok)
                #expect(!String(buffer: feed.body).contains("order.placed"))
            }
        }
    }

    @Test func theServiceIsNotReadyWithoutABroker() async throws {
        try await withTemporaryConfiguration(.order) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let health = try await client.execute(uri: "/health", method: .get)
                let ready = try await client.execute(uri: "/ready", method: .get)
                #expect(health.status == .ok)
                #expect(ready.status == .serviceUnavailable)
            }
        }
    }
}
