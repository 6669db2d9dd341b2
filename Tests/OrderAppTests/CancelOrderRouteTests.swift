import AppTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// `POST /orders/{id}/cancel`: 202 when this request cancelled the order, 200 when it already was.
@Suite struct CancelOrderRouteTests {
    @Test func cancellingAPendingOrderIs202AndPublishesOrderCancelledForTheCustomer() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            let response = try await service.client.post("/orders/\(orderId)/cancel")

            #expect(response.status == .accepted)
            #expect(response.json["status"].string == "CANCELLED")
            #expect(response.json["cancellationReason"].string == "customer_request")
            #expect(response.json["version"].int == 2)
            let cancelled = try #require(try await service.outbox().last)
            #expect(cancelled.metadata.eventType == "OrderCancelled")
            #expect(cancelled.metadata.routingKey == "order.cancelled")
            #expect(cancelled.metadata.correlationId == orderId)
            #expect(cancelled.metadata.causationId == nil)
        }
    }

    @Test func cancellingACancelledOrderIs200AndChangesNothing() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()
            _ = try await service.client.post("/orders/\(orderId)/cancel")

            let again = try await service.client.post("/orders/\(orderId)/cancel")

            #expect(again.status == .ok)
            #expect(again.json["status"].string == "CANCELLED")
            #expect(again.json["version"].int == 2, "no second OrderCancelled")
            #expect(try await service.outbox().map(\.metadata.eventType) == ["OrderPlaced", "OrderCancelled"])
        }
    }

    @Test func cancellingAnUnknownOrderIs404AndWritesNothing() async throws {
        try await OrderService.run { service in
            expectContractError(try await service.client.post("/orders/no-such-order/cancel"), .notFound, code: "not_found")
            #expect(try await service.outbox().isEmpty)
        }
    }

    @Test func cancelTakesNoBodyAndIgnoresOne() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            let response = try await service.client.post("/orders/\(orderId)/cancel", json: #"{"reason": "timeout"}"#)

            #expect(response.status == .accepted)
            #expect(response.json["cancellationReason"].string == "customer_request", "a client cannot choose the reason")
        }
    }
}
