import Contracts
import Foundation

/// Brings a read store up to date from the sources' feeds, page by page, each page in one transaction.
struct FeedReader: Sendable {
    let feeds: [ServiceName: SourceFeed]
    let lag: SourceLag
    /// Events per feed request (the feeds serve at most 1000).
    var pageSize = 1000

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

    /// Applies `source`'s events after the store's position, up to `through` (every event the
    /// feed has, when `nil`).
    /// - Parameter isLive: the store is the one serving (its progress updates the lag).
    /// - Throws: ``FeedError`` when the feed cannot be read; what was applied before stays applied.
    func catchUp(_ source: ServiceName, into store: some ProjectionStore, through: Int64? = nil, isLive: Bool) async throws -> Result {
        guard let feed = feeds[source] else { return Result() }
        var position = try await store.positions()[source] ?? 0
        var result = Result()
        while through.map({ position < $0 }) ?? true {
            try Task.checkCancellation()
            let page = try await feed.page(after: position, limit: pageSize)
            if isLive { lag.sawHead(page.nextPosition, of: source) }
            let events = through.map { through in page.events.filter { $0.position <= through } } ?? page.events
            guard !events.isEmpty else { break }
            let outcome = try await store.apply([FeedSegment(source: source, after: position, events: events)]).first
            guard let outcome else { break }
            result.applied += outcome.count
            if isLive { lag.applied([source: outcome.position]) }
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
            if page.events.count < pageSize { break }
        }
        return result
    }
}
