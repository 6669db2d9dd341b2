import Contracts
import Foundation
import Metrics

/// Reads the sources' feeds, the one authority on their events, into a read store.
struct FeedReader: Sendable {
    let feeds: [ServiceName: SourceFeed]
    let lag: SourceLag
    /// Events per feed request (the feeds serve at most 1000).
    var pageSize = 1000
    private let requests: [Reason: Counter]

    /// Why a feed is read, a dimension of `projection_feed_requests_total`.
    enum Reason: String, Sendable, CaseIterable {
        /// Deliveries of a consumed batch point at new events.
        case batch
        /// The periodic or woken catch-up of the serving store.
        case catchUp = "catch_up"
        /// A rebuild fills its new store.
        case rebuild

        /// The serving store is the one filled: what the feed reports is the source's head for the lag.
        var isLive: Bool { self != .rebuild }
    }

    init(feeds: [ServiceName: SourceFeed], lag: SourceLag) {
        self.feeds = feeds
        self.lag = lag
        requests = Dictionary(uniqueKeysWithValues: Reason.allCases.map {
            ($0, Counter(label: "projection_feed_requests_total", dimensions: [("reason", $0.rawValue)]))
        })
    }

    /// What one source's catch-up did.
    struct Result: Sendable {
        /// Events applied.
        var applied = 0
        /// Where the source stopped, when an event could not be applied.
        var failure: Failure?
    }

    /// An event that could not be applied: its source stops just before it.
    struct Failure: Sendable {
        var position: Int64
        var eventId: String
        var error: SegmentFailure
    }

    /// One page of `source`'s feed after `position`: up to `through` when given (fewer events
    /// than a full page, as positions may have holes but never repeat), else a full page.
    /// - Returns: the page, and the limit asked for (a page with fewer events is the feed's end).
    /// - Throws: ``FeedError`` when the feed cannot be read.
    func page(of source: ServiceName, after position: Int64, through: Int64? = nil, for reason: Reason) async throws -> (page: FeedPage, limit: Int) {
        guard let feed = feeds[source] else { throw FeedError(source: source, reason: "no feed configured") }
        let limit = through.map { Int(clamping: max(1, min(Int64(pageSize), $0 - position))) } ?? pageSize
        requests[reason]?.increment()
        let page = try await feed.page(after: position, limit: limit)
        if reason.isLive { lag.sawHead(page.nextPosition, of: source) }
        return (page, limit)
    }

    /// Applies every event `source`'s feed has after the store's position, page by page, each page in one transaction.
    /// - Throws: ``FeedError`` when the feed cannot be read; what was applied before stays applied.
    func catchUp(_ source: ServiceName, into store: some ProjectionStore, for reason: Reason) async throws -> Result {
        var position = try await store.positions()[source] ?? 0
        var result = Result()
        while true {
            try Task.checkCancellation()
            let (page, limit) = try await self.page(of: source, after: position, for: reason)
            guard !page.events.isEmpty else { break }
            let outcome = try await store.apply([FeedSegment(source: source, after: position, events: page.events)]).first
            guard let outcome else { break }
            result.applied += outcome.count
            if reason.isLive { lag.applied([source: outcome.position]) }
            switch outcome {
            case .applied(let reached, _):
                position = reached
            case .notContiguous(let current):
                // The store was replaced by one further back: carry on from where it is.
                position = current
            case .failed(_, _, let failedAt, let eventId, let error):
                result.failure = Failure(position: failedAt, eventId: eventId, error: error)
                return result
            }
            if page.events.count < limit { break }
        }
        return result
    }
}
