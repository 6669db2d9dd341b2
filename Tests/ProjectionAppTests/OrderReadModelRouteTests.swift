import AppTestSupport
import Contracts
import Foundation
import HummingbirdTesting
@testable import ProjectionApp
import Testing

/// `GET /orders/{id}` and `/orders/{id}/timeline`: an order joined with its payment and
/// reservation, built only from the feeds' events.
@Suite struct OrderReadModelRouteTests {
    @Test func aConfirmedSagaShowsTheOrderWithItsPaymentAndReservation() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            try await service.apply(try feeds.confirmedSaga("o-1"))

            let order = try await service.client.get("/orders/o-1")

            #expect(order.status == .ok)
            let json = order.json
            #expect(json["orderId"].string == "o-1")
            #expect(json["customerId"].string == "c-1")
            #expect(json["status"].string == "CONFIRMED")
            #expect(json["total"].int == 2500)
            #expect(json["currency"].string == "USD")
            #expect(json["version"].int == 2)
            #expect(json["items"][0]["sku"].string == "SKU-1")
            #expect(json["payment"]["status"].string == "AUTHORIZED")
            #expect(json["payment"]["amount"].int == 2500)
            #expect(json["inventory"]["status"].string == "RESERVED")
            #expect(json["createdAt"].string.flatMap(Timestamp.parse) != nil)
        }
    }

    @Test func aPendingOrderHasNoPaymentOrInventoryYet() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            try await service.apply([try feeds.placed("o-1")])

            let json = try await service.client.get("/orders/o-1").json
            #expect(json["status"].string == "PENDING")
            #expect(!json["payment"].exists)
            #expect(!json["inventory"].exists)
        }
    }

    @Test func anOrderKnownOnlyFromAnotherSourceIsNotShownUntilItsOrderPlacedArrives() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let placed = try feeds.placed("o-1")
            let authorized = try feeds.authorized("o-1", causedBy: placed)
            try await service.apply([authorized])

            expectContractError(try await service.client.get("/orders/o-1"), .notFound, code: "not_found")

            try await service.apply([placed])
            let json = try await service.client.get("/orders/o-1").json
            #expect(json["status"].string == "PENDING")
            #expect(json["payment"]["status"].string == "AUTHORIZED", "the payment applied first is joined in")
        }
    }

    @Test func aCompensatedSagaShowsTheRefundTheFailedReservationAndTheReason() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let placed = try feeds.placed("o-1")
            let authorized = try feeds.authorized("o-1", causedBy: placed)
            let failed = try feeds.next(InventoryReservationFailed(orderId: "o-1", items: Feeds.stockLines, reason: .insufficientStock, skus: ["SKU-1"]),
                                        aggregateId: "o-1", causationId: authorized.eventId)
            let refunded = try feeds.next(PaymentRefunded(orderId: "o-1", customerId: "c-1", amount: 2500, reason: .outOfStock),
                                          aggregateId: "o-1", version: 2, causationId: failed.eventId)
            let cancelled = try feeds.cancelled("o-1", reason: .outOfStock, causedBy: refunded)
            try await service.apply([placed, authorized, failed, refunded, cancelled])

            let json = try await service.client.get("/orders/o-1").json
            #expect(json["status"].string == "CANCELLED")
            #expect(json["cancellationReason"].string == "out_of_stock")
            #expect(json["payment"]["status"].string == "REFUNDED")
            #expect(json["inventory"]["status"].string == "FAILED")
        }
    }

    @Test func aConfirmedOrderCancelledLaterShowsTheRefundAndTheReleasedStock() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            var events = try feeds.confirmedSaga("o-1")
            let cancelled = try feeds.cancelled("o-1", reason: .customerRequest, version: 3)
            events.append(cancelled)
            events.append(try feeds.next(PaymentRefunded(orderId: "o-1", customerId: "c-1", amount: 2500, reason: .customerRequest),
                                         aggregateId: "o-1", version: 2, causationId: cancelled.eventId))
            events.append(try feeds.next(InventoryReleased(orderId: "o-1", items: Feeds.stockLines),
                                         aggregateId: "o-1", version: 2, causationId: cancelled.eventId))
            try await service.apply(events)

            let json = try await service.client.get("/orders/o-1").json
            #expect(json["status"].string == "CANCELLED")
            #expect(json["cancellationReason"].string == "customer_request")
            #expect(json["payment"]["status"].string == "REFUNDED")
            #expect(json["inventory"]["status"].string == "RELEASED")
        }
    }

    @Test func aDeclinedPaymentShowsDeclinedWithTheOrderCancelled() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let placed = try feeds.placed("o-1")
            let declined = try feeds.next(PaymentDeclined(orderId: "o-1", customerId: "c-1", amount: 2500, reason: .insufficientFunds),
                                          aggregateId: "o-1", causationId: placed.eventId)
            try await service.apply([placed, declined, try feeds.cancelled("o-1", reason: .paymentDeclined, causedBy: declined)])

            let json = try await service.client.get("/orders/o-1").json
            #expect(json["status"].string == "CANCELLED")
            #expect(json["payment"]["status"].string == "DECLINED")
            #expect(!json["inventory"].exists, "no stock was touched")
        }
    }

    @Test func anOlderEventOfAnOrderNeverOverwritesANewerOne() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let placed = try feeds.placed("o-1")
            let cancelled = try feeds.cancelled("o-1", reason: .customerRequest, version: 3)
            let staleConfirmation = try feeds.confirmed("o-1", version: 2)
            try await service.apply([placed, cancelled, staleConfirmation])

            let json = try await service.client.get("/orders/o-1").json
            #expect(json["status"].string == "CANCELLED")
            #expect(json["version"].int == 3)
        }
    }

    @Test func theTimelineListsEverySagaStepCausesFirstWithItsService() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let saga = try feeds.confirmedSaga("o-1")
            // The order's source is applied last: the timeline still puts each cause before its effect.
            try await service.apply(Array(saga[1...2]))
            try await service.apply([saga[0], saga[3]])

            let response = try await service.client.get("/orders/o-1/timeline")

            #expect(response.status == .ok)
            let events = try #require(response.json["events"].array)
            #expect(events.map { $0["eventType"].string } == ["OrderPlaced", "PaymentAuthorized", "InventoryReserved", "OrderConfirmed"])
            #expect(events.map { $0["service"].string } == ["order-service", "payment-service", "inventory-service", "order-service"])
            #expect(events.map { $0["eventId"].string } == saga.map(\.eventId))
            #expect(events[1]["causationId"].string == saga[0].eventId)
            #expect(events.allSatisfy { $0["occurredAt"].string.flatMap(Timestamp.parse) != nil })
        }
    }

    @Test func anEffectStampedEarlierThanItsCauseStillFollowsItInTheTimeline() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let placed = try feeds.placed("o-1")
            // payment-service's clock is a second behind order-service's.
            let declined = try feeds.next(PaymentDeclined(orderId: "o-1", customerId: "c-1", amount: 2500, reason: .noAccount), aggregateId: "o-1",
                                          causationId: placed.eventId, occurredAt: placed.event.envelope.metadata.occurredAt.addingTimeInterval(-1))
            try await service.apply([placed, declined])

            let events = try await service.client.get("/orders/o-1/timeline").json["events"].array ?? []
            #expect(events.map { $0["eventType"].string } == ["OrderPlaced", "PaymentDeclined"])
        }
    }

    @Test func anUnknownOrderAndItsTimelineAre404() async throws {
        try await ProjectionService.run { service in
            expectContractError(try await service.client.get("/orders/no-such-order"), .notFound, code: "not_found")
            expectContractError(try await service.client.get("/orders/no-such-order/timeline"), .notFound, code: "not_found")
        }
    }

    @Test(arguments: ["o%00", "o%C3", String(repeating: "%C3%A9", count: 65)])
    func aPathIdThatBreaksTheIdRuleIs400InvalidId(_ id: String) async throws {
        try await ProjectionService.run { service in
            expectContractError(try await service.client.get("/orders/\(id)"), .badRequest, code: "invalid_id")
            expectContractError(try await service.client.get("/orders/\(id)/timeline"), .badRequest, code: "invalid_id")
            expectContractError(try await service.client.get("/customers/\(id)"), .badRequest, code: "invalid_id")
        }
    }
}
