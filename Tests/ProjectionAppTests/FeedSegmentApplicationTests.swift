import AppTestSupport
import Contracts
import EventSourcing
import Foundation
@testable import ProjectionApp
import Testing

/// Applying pages of the feeds to the real read store: per source in position order, each event
/// once, and an event that cannot be applied stops its source just before it.
@Suite struct FeedSegmentApplicationTests {
    /// An order event no read model knows.
    struct OrderShipped: EventPayload {
        static let eventType = "OrderShipped"
        static let aggregateType = "Order"
        var orderId: String
    }

    /// An `OrderPlaced` whose payload lacks the contract's fields.
    struct TruncatedOrderPlaced: EventPayload {
        static let eventType = "OrderPlaced"
        static let aggregateType = "Order"
        var orderId: String
    }

    private func timelineCount(_ service: ProjectionService, _ orderId: String) async throws -> Int {
        try await service.client.get("/orders/\(orderId)/timeline").json["events"].count ?? 0
    }

    @Test func aPageIsAppliedInOrderAndMovesItsSourcesPosition() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let outcomes = try await service.apply(try feeds.confirmedSaga("o-1"))

            guard case .applied(let position, let count) = outcomes[.order] else { Issue.record("\(outcomes)"); return }
            #expect(position == 2 && count == 2)
            #expect(try await service.store.positions() == [.order: 2, .payment: 1, .inventory: 1])
        }
    }

    @Test func eventsAtOrBeforeTheAppliedPositionAreSkippedSoAPageReadTwiceChangesNothing() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let placed = try feeds.placed("o-1")
            let confirmed = try feeds.confirmed("o-1")
            try await service.apply([placed, confirmed])

            let again = try await service.store.apply([FeedSegment(source: .order, after: 0, events: [placed.event, confirmed.event])])

            guard case .applied(let position, let count) = again.first else { Issue.record("\(again)"); return }
            #expect(position == 2 && count == 0)
            #expect(try await timelineCount(service, "o-1") == 2)
            #expect(try await service.client.get("/stats").json["sources"]["order-service"]["eventsApplied"].int == 2)
        }
    }

    @Test func aHoleLeftByARolledBackTransactionIsSkipped() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let placed = try feeds.placed("o-1")
            let confirmed = try feeds.confirmed("o-1", causedBy: nil)
            let afterHole = try feeds.next(OrderPlaced(orderId: "o-2", customerId: "c-1", currency: "USD", items: Feeds.lines, total: 2500,
                                                        placedAt: Date(timeIntervalSince1970: 1_800_000_000)), aggregateId: "o-2", skippingPositions: 4)
            try await service.apply([placed, confirmed, afterHole])

            #expect(try await service.store.positions()[.order] == 7)
            #expect(try await service.client.get("/orders/o-2").status == .ok)
        }
    }

    @Test func aPageThatStartsAfterTheStoresPositionIsNotApplied() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            _ = try feeds.placed("o-1")
            let later = try feeds.placed("o-2")

            let outcome = try await service.store.apply([FeedSegment(source: .order, after: 1, events: [later.event])])

            guard case .notContiguous(let position) = outcome.first else { Issue.record("\(outcome)"); return }
            #expect(position == 0, "the store never holds a later event over a missing earlier one")
            expectContractError(try await service.client.get("/orders/o-2"), .notFound, code: "not_found")
        }
    }

    @Test func anEventNoReadModelKnowsStopsItsSourceJustBeforeItWhileTheOtherSourcesGoOn() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let placed = try feeds.placed("o-1")
            let shipped = try feeds.next(OrderShipped(orderId: "o-1"), aggregateId: "o-1", version: 2)
            let cancelled = try feeds.cancelled("o-1", reason: .customerRequest, version: 3)
            let authorized = try feeds.authorized("o-1", causedBy: placed)

            let outcomes = try await service.apply([placed, shipped, cancelled, authorized])

            guard case .failed(let position, let count, let failedAt, let eventId, let error) = outcomes[.order] else {
                Issue.record("\(outcomes)"); return
            }
            #expect(position == 1 && count == 1 && failedAt == 2)
            #expect(eventId == shipped.eventId)
            #expect(!error.malformed, "a well-formed event of an unknown type may be known to a later version")
            #expect(error.description.contains("OrderShipped"))
            #expect(try await service.store.positions()[.order] == 1)
            let order = try await service.client.get("/orders/o-1").json
            #expect(order["status"].string == "PENDING", "the cancellation behind the stop is not applied")
            #expect(order["payment"]["status"].string == "AUTHORIZED", "payment-service's feed went on")
            #expect(try await timelineCount(service, "o-1") == 2, "the failed event left no trace")
        }
    }

    @Test func aRecordedEventWhosePayloadIsNotItsTypesShapeFailsAsMalformed() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let truncated = try feeds.next(TruncatedOrderPlaced(orderId: "o-1"), aggregateId: "o-1")

            let outcomes = try await service.apply([truncated])

            guard case .failed(_, _, _, _, let error) = outcomes[.order] else { Issue.record("\(outcomes)"); return }
            #expect(error.malformed)
            #expect(try await service.store.positions()[.order] == 0)
        }
    }

    @Test func theStoreKnowsWhichSourceEachAppliedEventCameFrom() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            let saga = try feeds.confirmedSaga("o-1")
            try await service.apply(saga)

            let known = try await service.store.appliedEvents(among: [saga[0].eventId, saga[1].eventId, "never-applied"])

            #expect(known == [IdentifierKey(saga[0].eventId): .order, IdentifierKey(saga[1].eventId): .payment])
        }
    }
}
