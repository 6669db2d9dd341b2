import AppTestSupport
import Contracts
import Foundation
import Messaging
@testable import ProjectionApp
import Delivery
import ServiceKit
import Testing

/// ``BatchPlan``: a batch of deliveries read as claims "this source has this event at this
/// position", and how far each source's feed must be read to check them.
@Suite struct BatchPlanTests {
    private static func body(_ orderId: String = "o-1", eventId: String = "e-1", position: Int64? = nil) throws -> Data {
        try Envelopes.body(OrderConfirmed(orderId: orderId, confirmedAt: Date(timeIntervalSince1970: 0)), aggregateId: orderId,
                           version: 2, correlationId: orderId, eventId: eventId, position: position)
    }

    @Test func theSourceIsTheExchangeTheMessageWasPublishedTo() throws {
        let plan = BatchPlan([
            Deliveries.make(body: try Self.body(), exchange: "orders", position: 1),
            Deliveries.make(body: try Self.body(), exchange: "payments", position: 1),
            Deliveries.make(body: try Self.body(), exchange: "inventory", position: 1),
        ])

        #expect(plan.claims.map(\.source) == [.order, .payment, .inventory], "never the body's aggregate type")
        #expect(plan.malformed.isEmpty)
    }

    @Test func aRetriedMessageKeepsTheSourceOfItsOriginalExchange() throws {
        let retried = Deliveries.make(body: try Self.body(), exchange: "", routingKey: "projection-service",
                                      position: 3, headers: [DeliveryHeader.originalExchange: .string("payments")])

        #expect(BatchPlan([retried]).claims.map(\.source) == [.payment])
    }

    @Test func aMessageFromAnyOtherExchangeIsMalformedAndNamesIt() throws {
        let plan = BatchPlan([
            Deliveries.make(body: try Self.body(), exchange: "elsewhere", position: 1),
            Deliveries.make(body: try Self.body(), exchange: "", position: 1),
        ])

        #expect(plan.claims.isEmpty)
        #expect(plan.malformed.count == 2)
        #expect(plan.malformed[0].reason.contains("\"elsewhere\""))
    }

    @Test func aBodyThatIsNotAnEnvelopeIsMalformed() {
        let plan = BatchPlan([Deliveries.make(body: Data("not json".utf8), exchange: "orders")])

        #expect(plan.claims.isEmpty)
        #expect(plan.malformed.first?.reason.contains("malformed envelope") == true)
    }

    @Test func theClaimedPositionIsTheHeaderElseTheBodysPosition() throws {
        let plan = BatchPlan([
            Deliveries.make(body: try Self.body(position: 9), exchange: "orders", position: 4),
            Deliveries.make(body: try Self.body(position: 9), exchange: "orders"),
            Deliveries.make(body: try Self.body(), exchange: "orders"),
            Deliveries.make(body: try Self.body(), exchange: "orders", headers: [EventHeader.sourcePosition: .int(0)]),
        ])

        #expect(plan.claims.map(\.position) == [4, 9, nil, nil], "no position, or one that is not positive, claims none")
    }

    @Test func theClaimedEventIsTheMessageIdElseTheBodysEventId() throws {
        let plan = BatchPlan([
            Deliveries.make(body: try Self.body(eventId: "in-body"), exchange: "orders", messageId: "in-properties"),
            Deliveries.make(body: try Self.body(eventId: "in-body"), exchange: "orders"),
        ])

        #expect(plan.claims.map(\.eventId) == ["in-properties", "in-body"])
    }

    @Test func eachSourceIsReadFromItsAppliedPositionUpToItsHighestClaim() throws {
        let plan = BatchPlan([
            Deliveries.make(body: try Self.body(), exchange: "orders", position: 7),
            Deliveries.make(body: try Self.body(), exchange: "orders", position: 12),
            Deliveries.make(body: try Self.body(), exchange: "orders", position: 9),
            Deliveries.make(body: try Self.body(), exchange: "payments", position: 3),
        ])

        let reads = plan.reads(at: [.order: 5, .payment: 1, .inventory: 40])

        #expect(reads == [.order: BatchPlan.FeedRead(after: 5, through: 12), .payment: BatchPlan.FeedRead(after: 1, through: 3)],
                "a source the batch does not name is not read")
    }

    @Test func claimsAtOrBeforeTheAppliedPositionNeedNoRead() throws {
        let plan = BatchPlan([
            Deliveries.make(body: try Self.body(), exchange: "orders", position: 5),
            Deliveries.make(body: try Self.body(), exchange: "orders", position: 2),
        ])

        #expect(plan.reads(at: [.order: 5]).isEmpty)
    }

    @Test func aClaimWithoutPositionReadsItsSourceToTheEnd() throws {
        let plan = BatchPlan([
            Deliveries.make(body: try Self.body(), exchange: "orders", position: 8),
            Deliveries.make(body: try Self.body(), exchange: "orders"),
            Deliveries.make(body: try Self.body(), exchange: "orders", position: 30),
        ])

        #expect(plan.reads(at: [:]) == [.order: BatchPlan.FeedRead(after: 0, through: nil)])
    }

    @Test func aMalformedDeliveryDoesNotHideTheClaimsAroundIt() throws {
        let plan = BatchPlan([
            Deliveries.make(body: try Self.body(eventId: "a"), exchange: "orders", position: 1, tag: 1),
            Deliveries.make(body: Data("{}".utf8), exchange: "orders", tag: 2),
            Deliveries.make(body: try Self.body(eventId: "b"), exchange: "orders", position: 2, tag: 3),
        ])

        #expect(plan.claims.map(\.delivery.deliveryTag) == [1, 3])
        #expect(plan.malformed.map(\.delivery.deliveryTag) == [2])
    }
}
