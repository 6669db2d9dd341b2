import Contracts
import Foundation

/// An event of one source with its position in that source's store.
struct PositionedEvent: Sendable {
    var position: Int64
    var envelope: EventEnvelope
}

/// One page of a source's feed.
struct FeedPage: Sendable {
    /// The events after the requested position, in position order.
    var events: [PositionedEvent]
    /// The last event's position, or the requested one when the page is empty.
    var nextPosition: Int64
}

/// The read-only event feed of one owning service, `GET {base}/events?after=&limit=` (contract section 4.4).
struct SourceFeed: Sendable {
    /// The service whose store the feed serves.
    let source: ServiceName
    let baseURL: URL
    /// How long one request may take.
    var timeout: TimeInterval = 10

    /// At most `limit` events after `position`, in position order.
    /// - Throws: ``FeedError`` when the feed cannot be reached or answers something else than a page of events.
    func page(after position: Int64, limit: Int) async throws -> FeedPage {
        var components = URLComponents(url: baseURL.appendingPathComponent("events"), resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "after", value: String(position)), URLQueryItem(name: "limit", value: String(limit))]
        guard let url = components?.url else { throw FeedError(source: source, reason: "cannot build a URL from \(baseURL)") }
        let answer: SourceHTTP.Answer
        do {
            answer = try await SourceHTTP.send(.GET, to: url, headers: [("Accept", "application/json")], timeout: timeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw FeedError(source: source, reason: "GET \(url) failed: \(error)")
        }
        guard answer.status == 200 else { throw FeedError(source: source, reason: "GET \(url) answered \(answer.status)") }
        return try Self.decode(answer.body, after: position, source: source)
    }

    /// Splits a feed page into its events; each event keeps the exact bytes its source wrote
    /// (``FeedPageScanner``), decoded once, by its envelope.
    static func decode(_ data: Data, after position: Int64, source: ServiceName) throws -> FeedPage {
        let bytes = [UInt8](data)
        guard let page = FeedPageScanner.scan(bytes) else {
            throw FeedError(source: source, reason: "the feed page is not {\"events\": [...]} with an object for each event")
        }
        var events: [PositionedEvent] = []
        events.reserveCapacity(page.events.count)
        for range in page.events {
            // A feed holds what its source recorded: facts, applied as they are.
            let envelope = try EventEnvelope(recorded: Data(bytes[range]))
            guard let eventPosition = envelope.metadata.position, eventPosition > (events.last?.position ?? position) else {
                throw FeedError(source: source, reason: "event \(envelope.metadata.eventId) has no position or is out of order")
            }
            events.append(PositionedEvent(position: eventPosition, envelope: envelope))
        }
        let last = events.last?.position ?? position
        return FeedPage(events: events, nextPosition: max(page.nextPosition ?? last, last))
    }
}

/// A feed that could not be read.
struct FeedError: Error, CustomStringConvertible {
    var source: ServiceName
    var reason: String

    var description: String { "feed of \(source.rawValue): \(reason)" }
}
