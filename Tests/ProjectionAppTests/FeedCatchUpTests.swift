import AppTestSupport
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import ProjectionApp
import ServiceKit
import Synchronization
import Testing

/// ``FeedReader`` catching the read store up over HTTP: the real feed client (``SourceFeed``)
/// against a feed served in-process on a local port from events built in the test.
@Suite struct FeedCatchUpTests {
    /// What the served feed was asked, in order: the `after` and `limit` of each request.
    final class Requests: Sendable {
        private let seen = Mutex<[(after: Int, limit: Int)]>([])
        func record(_ after: Int, _ limit: Int) { seen.withLock { $0.append((after, limit)) } }
        var all: [(after: Int, limit: Int)] { seen.withLock { $0 } }
    }

    /// Serves `events` as order-service's `GET /events?after=&limit=` on a local port and runs `body` with a reader of it.
    private func withServedFeed(
        _ events: [PositionedFeedEvent], pageSize: Int = 1000, status: HTTPResponse.Status = .ok,
        _ body: @Sendable (FeedReader, Requests) async throws -> Void
    ) async throws {
        let requests = Requests()
        let router = Router()
        router.get("/events") { request, _ -> Response in
            let after = Int(request.uri.queryParameters["after"].map(String.init) ?? "0") ?? 0
            let limit = Int(request.uri.queryParameters["limit"].map(String.init) ?? "100") ?? 100
            requests.record(after, limit)
            guard status == .ok else { return Response(status: status) }
            let page = events.filter { $0.position > Int64(after) }.prefix(limit)
            let bodies = page.map { String(decoding: $0.event.envelope.body, as: UTF8.self) }.joined(separator: ",")
            let next = page.last?.position ?? Int64(after)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"events":[\#(bodies)],"nextPosition":\#(next)}"#)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let feed = SourceFeed(source: .order, baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            var reader = FeedReader(feeds: [.order: feed], lag: SourceLag())
            reader.pageSize = pageSize
            try await body(reader, requests)
        }
    }

    @Test func catchUpAppliesTheWholeFeedPageByPageFromTheStoresPosition() async throws {
        var feeds = Feeds()
        let events = try (1...5).map { try feeds.placed("o-\($0)") }
        try await ProjectionService.run { service in
            try await withServedFeed(events, pageSize: 2) { reader, requests in
                let result = try await reader.catchUp(.order, into: service.store, for: .catchUp)

                #expect(result.applied == 5)
                #expect(result.failure == nil)
                #expect(try await service.store.positions()[.order] == 5)
                #expect(requests.all.map(\.after) == [0, 2, 4], "each page starts where the last ended; a short page is the end")
                #expect(requests.all.allSatisfy { $0.limit == 2 })
                #expect(reader.lag.heads[.order] == 5, "the feed's head is known for the lag")
                #expect(try await service.client.get("/orders").json["orders"].count == 5)
            }
        }
    }

    @Test func aSecondCatchUpReadsOnlyWhatIsNew() async throws {
        var feeds = Feeds()
        let events = try (1...3).map { try feeds.placed("o-\($0)") }
        try await ProjectionService.run { service in
            try await service.apply(Array(events.prefix(2)))
            try await withServedFeed(events) { reader, requests in
                let result = try await reader.catchUp(.order, into: service.store, for: .catchUp)

                #expect(result.applied == 1)
                #expect(requests.all.first?.after == 2)
            }
        }
    }

    @Test func catchUpStopsAtAnEventItCannotApplyAndSaysWhich() async throws {
        var feeds = Feeds()
        let placed = try feeds.placed("o-1")
        let unknown = try feeds.next(FeedSegmentApplicationTests.OrderShipped(orderId: "o-1"), aggregateId: "o-1", version: 2)
        let after = try feeds.cancelled("o-1", reason: .customerRequest, version: 3)
        try await ProjectionService.run { service in
            try await withServedFeed([placed, unknown, after]) { reader, _ in
                let result = try await reader.catchUp(.order, into: service.store, for: .catchUp)

                #expect(result.applied == 1)
                #expect(result.failure?.position == 2)
                #expect(result.failure?.eventId == unknown.eventId)
                #expect(try await service.store.positions()[.order] == 1)
            }
        }
    }

    @Test func aBatchReadAsksOnlyForThePositionsUpToItsHighestClaim() async throws {
        var feeds = Feeds()
        let events = try (1...9).map { try feeds.placed("o-\($0)") }
        try await withServedFeed(events) { reader, requests in
            let (page, limit) = try await reader.page(of: .order, after: 3, through: 6, for: .batch)

            #expect(limit == 3)
            #expect(page.events.map(\.position) == [4, 5, 6])
            #expect(requests.all.map(\.limit) == [3])
        }
    }

    @Test func aFeedThatAnswersAnErrorIsAFeedErrorAndNothingIsApplied() async throws {
        try await ProjectionService.run { service in
            try await withServedFeed([], status: .internalServerError) { reader, _ in
                await #expect(throws: FeedError.self) { try await reader.catchUp(.order, into: service.store, for: .catchUp) }
                let positions = try await service.store.positions()
                #expect(positions[.order] == 0)
            }
        }
    }

    @Test func aSourceWithoutAFeedIsAFeedError() async throws {
        let reader = FeedReader(feeds: [:], lag: SourceLag())

        await #expect(throws: FeedError.self) { try await reader.page(of: .payment, after: 0, for: .catchUp) }
    }
}
