import AppTestSupport
import Contracts
import Foundation
import Messaging
@testable import ProjectionApp
import Testing

/// ``SourceReading``: each delivery checked against what its source's feed said. The feed is
/// the authority; a delivery is its event at its position, a duplicate, something foreign to
/// park, or not checkable yet.
@Suite struct SourceReadingTests {
    /// A page of the order feed with events at `positions` (ids `e<position>`), read with `limit`.
    private static func page(_ positions: [Int64], after: Int64, next: Int64? = nil) throws -> FeedPage {
        let events = try positions.map { position in
            PositionedEvent(position: position, envelope: try Envelopes.recorded(
                OrderConfirmed(orderId: "o-\(position)", confirmedAt: Date(timeIntervalSince1970: 0)), aggregateId: "o-\(position)", version: 2,
                correlationId: "o-\(position)", eventId: "e\(position)", position: position))
        }
        return FeedPage(events: events, nextPosition: next ?? positions.last ?? after)
    }

    private static func claim(_ eventId: String, at position: Int64?) -> BatchPlan.Claim {
        BatchPlan.Claim(delivery: Deliveries.make(body: Data(), exchange: "orders"), source: .order, eventId: eventId, position: position)
    }

    /// The order feed read after 10, with events at 11, 12 and 14 (13 is a rolled-back hole), a full page of 5.
    private static func readingWithAHole(limit: Int = 5) throws -> SourceReading {
        var reading = SourceReading(after: 10)
        reading.record(try page([11, 12, 14], after: 10), limit: limit)
        return reading
    }

    // MARK: Reading the feed

    @Test func aShortPageIsTheFeedsEndAndAFullOneIsNot() throws {
        var short = SourceReading(after: 0)
        short.record(try Self.page([1, 2], after: 0), limit: 3)
        var full = SourceReading(after: 0)
        full.record(try Self.page([1, 2, 3], after: 0), limit: 3)

        #expect(short.atEnd && short.reached == 2)
        #expect(!full.atEnd && full.reached == 3)
        #expect(!short.needsMore(through: nil), "nothing after the end")
        #expect(full.needsMore(through: nil), "to the end: another page")
        #expect(full.needsMore(through: 4), "a claim beyond the page: another page")
        #expect(!full.needsMore(through: 3), "every claim is within the page")
    }

    @Test func anInterruptedOrStoppedReadingNeedsNoMorePages() throws {
        var interrupted = SourceReading(after: 0)
        interrupted.record(try Self.page([1, 2, 3], after: 0), limit: 3)
        interrupted.interrupted = true
        var stopped = SourceReading(after: 0)
        stopped.record(try Self.page([1, 2, 3], after: 0), limit: 3)
        stopped.record(.failed(position: 1, count: 1, failedAt: 2, eventId: "e2", error: SegmentFailure(description: "bad", malformed: false)))

        #expect(!interrupted.needsMore(through: 10))
        #expect(!stopped.needsMore(through: 10))
    }

    @Test func aStoreReplacedMeanwhileInterruptsTheReading() throws {
        var reading = SourceReading(after: 0)
        reading.record(.notContiguous(position: 0))

        #expect(reading.interrupted)
    }

    // MARK: Verdicts

    @Test func theFeedsEventAtTheClaimedPositionIsApplied() throws {
        let reading = try Self.readingWithAHole()

        guard case .applied = reading.verdict(for: Self.claim("e12", at: 12), applied: 10, known: false) else {
            Issue.record("the event the feed has at 12 is applied"); return
        }
    }

    @Test func anotherEventAtTheClaimedPositionIsForeignAndNamesTheFeedsEvent() throws {
        let reading = try Self.readingWithAHole()

        guard case .foreign(let why) = reading.verdict(for: Self.claim("forged", at: 12), applied: 10, known: false) else {
            Issue.record("a forged event at 12 is foreign"); return
        }
        #expect(why == "the feed of order-service has event e12 at position 12")
    }

    @Test func aClaimOnTheHoleOfARolledBackTransactionIsForeign() throws {
        let reading = try Self.readingWithAHole()

        guard case .foreign(let why) = reading.verdict(for: Self.claim("ghost", at: 13), applied: 10, known: false) else {
            Issue.record("nothing is at 13"); return
        }
        #expect(why == "the feed of order-service has no event at position 13")
    }

    @Test func aClaimBeyondTheFeedsEndIsForeign() throws {
        let reading = try Self.readingWithAHole(limit: 1000)

        guard case .foreign(let why) = reading.verdict(for: Self.claim("far", at: 500), applied: 10, known: false) else {
            Issue.record("the feed ends at 14"); return
        }
        #expect(why == "the feed of order-service ends at position 14, before 500")
    }

    @Test func aClaimBeyondAPageThatWasNotTheEndCannotBeCheckedYet() throws {
        let reading = try Self.readingWithAHole(limit: 3)

        guard case .deferred = reading.verdict(for: Self.claim("later", at: 20), applied: 10, known: false) else {
            Issue.record("the feed goes on after 14: not checkable from this page"); return
        }
    }

    @Test func aClaimAtAnAppliedPositionIsADuplicateWhenTheStoreHasThatEventAndForeignOtherwise() throws {
        let reading = try Self.readingWithAHole()

        guard case .duplicate = reading.verdict(for: Self.claim("e5", at: 5), applied: 10, known: true) else {
            Issue.record("applied before from this source: a duplicate"); return
        }
        guard case .foreign(let why) = reading.verdict(for: Self.claim("other", at: 5), applied: 10, known: false) else {
            Issue.record("an unknown event at an applied position is foreign"); return
        }
        #expect(why == "order-service has another event at position 5, applied already")
    }

    @Test func aClaimWithoutPositionIsFoundByItsEventId() throws {
        let reading = try Self.readingWithAHole(limit: 1000)

        guard case .applied = reading.verdict(for: Self.claim("e14", at: nil), applied: 10, known: false) else {
            Issue.record("e14 is in the page"); return
        }
        guard case .duplicate = reading.verdict(for: Self.claim("e3", at: nil), applied: 10, known: true) else {
            Issue.record("applied before: a duplicate"); return
        }
        guard case .foreign(let why) = reading.verdict(for: Self.claim("nowhere", at: nil), applied: 10, known: false) else {
            Issue.record("not in a feed read to its end: foreign"); return
        }
        #expect(why == "the feed of order-service does not have event nowhere")
    }

    @Test func anUnreadableFeedLeavesEveryNewClaimDeferred() {
        var reading = SourceReading(after: 10)
        reading.interrupted = true

        guard case .deferred = reading.verdict(for: Self.claim("e11", at: 11), applied: 10, known: false) else {
            Issue.record("nothing was read: the catch-up applies it later"); return
        }
    }

    @Test func theEventThatCouldNotBeAppliedIsRetriedAndTheOnesAfterItWait() throws {
        var reading = try Self.readingWithAHole()
        let failure = SegmentFailure(description: "no read model knows event type X", malformed: false)
        reading.record(.failed(position: 11, count: 1, failedAt: 12, eventId: "e12", error: failure))

        guard case .applied = reading.verdict(for: Self.claim("e11", at: 11), applied: 10, known: false) else {
            Issue.record("11 was applied before the failure"); return
        }
        guard case .retry(let retried) = reading.verdict(for: Self.claim("e12", at: 12), applied: 10, known: false) else {
            Issue.record("12 failed: retried"); return
        }
        #expect(retried.position == 12 && retried.eventId == "e12")
        guard case .deferred = reading.verdict(for: Self.claim("e14", at: 14), applied: 10, known: false) else {
            Issue.record("14 waits behind 12"); return
        }
    }
}
