import AppTestSupport
import Contracts
import Foundation
@testable import ProjectionApp
import Testing

/// ``SourceFeed/decode(_:after:source:)``: a feed page's JSON into positioned events, refusing
/// anything that is not a page of one source's events in position order.
@Suite struct SourceFeedDecodingTests {
    private static func entry(_ position: Int64?, eventId: String) throws -> String {
        String(decoding: try Envelopes.body(
            OrderConfirmed(orderId: "o-1", confirmedAt: Date(timeIntervalSince1970: 0)), aggregateId: "o-1", version: 2,
            correlationId: "o-1", eventId: eventId, position: position), as: UTF8.self)
    }

    private static func page(_ entries: [String], next: Int64?) -> Data {
        Data(#"{"events": [\#(entries.joined(separator: ","))]\#(next.map { #", "nextPosition": \#($0)"# } ?? "")}"#.utf8)
    }

    @Test func aPageIsItsEventsInOrderWithTheirPositionsAndItsNextPosition() throws {
        let page = try SourceFeed.decode(Self.page([try Self.entry(3, eventId: "a"), try Self.entry(5, eventId: "b")], next: 5), after: 2, source: .order)

        #expect(page.events.map(\.position) == [3, 5])
        #expect(page.events.map(\.envelope.metadata.eventId) == ["a", "b"])
        #expect(page.events.allSatisfy { $0.envelope.isRecorded }, "a feed's events are recorded facts")
        #expect(page.nextPosition == 5)
    }

    @Test func anEmptyPageStaysAtTheRequestedPosition() throws {
        #expect(try SourceFeed.decode(Self.page([], next: nil), after: 7, source: .order).nextPosition == 7)
        #expect(try SourceFeed.decode(Self.page([], next: 7), after: 7, source: .order).events.isEmpty)
    }

    @Test func aNextPositionBehindTheLastEventIsTheLastEventsPosition() throws {
        let page = try SourceFeed.decode(Self.page([try Self.entry(9, eventId: "a")], next: 4), after: 0, source: .order)

        #expect(page.nextPosition == 9)
    }

    @Test(arguments: [
        (#"[]"#, "not {\"events\": [...]}"),
        (#"{"items": []}"#, "not {\"events\": [...]}"),
        ("not json", "not {\"events\": [...]}"),
    ])
    func aBodyThatIsNotAFeedPageIsAFeedError(_ body: String, _ reason: String) {
        #expect {
            try SourceFeed.decode(Data(body.utf8), after: 0, source: .payment)
        } throws: { error in
            (error as? FeedError).map { $0.source == .payment && $0.reason.contains(reason) } ?? false
        }
    }

    @Test func anEventWithoutPositionOrOutOfOrderIsAFeedError() throws {
        let unpositioned = Self.page([try Self.entry(nil, eventId: "a")], next: 1)
        let backwards = Self.page([try Self.entry(4, eventId: "a"), try Self.entry(3, eventId: "b")], next: 4)
        let notAfterTheRequest = Self.page([try Self.entry(2, eventId: "a")], next: 2)

        for page in [unpositioned, backwards, notAfterTheRequest] {
            #expect(throws: FeedError.self) { try SourceFeed.decode(page, after: 2, source: .order) }
        }
    }
}
