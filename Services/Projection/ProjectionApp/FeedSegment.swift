import Contracts
import Foundation

/// Every event of one source after position `after`, up to the last one's position: a run
/// with nothing missing, which may be applied after `after`.
///
/// Positions are not dense (a rolled-back transaction leaves a hole in the numbers), so only
/// a page of the source's feed makes a segment.
struct FeedSegment: Sendable {
    var source: ServiceName
    var after: Int64
    /// In position order.
    var events: [PositionedEvent]
}

/// What applying a segment to a read store did.
enum SegmentOutcome: Sendable {
    /// The source is now at `position`; `count` events were new.
    case applied(position: Int64, count: Int)
    /// The store is before the segment's start (it was replaced meanwhile): nothing applied.
    case notContiguous(position: Int64)
    /// The event at `failedAt` could not be applied; the source stays at `position`, just before it.
    case failed(position: Int64, count: Int, failedAt: Int64, eventId: String, error: SegmentFailure)

    /// The source's position afterwards.
    var position: Int64 {
        switch self {
        case .applied(let position, _), .notContiguous(let position), .failed(let position, _, _, _, _): position
        }
    }

    /// How many events were new.
    var count: Int {
        switch self {
        case .applied(_, let count), .failed(_, let count, _, _, _): count
        case .notContiguous: 0
        }
    }
}

/// Why an event could not be applied.
struct SegmentFailure: Error, Sendable, CustomStringConvertible {
    var description: String
    /// The event itself is malformed: retrying it cannot help.
    var malformed: Bool
}

extension ReadModelWriter {
    /// Applies `segment` in order, skipping what the store already has, and moves the source's position.
    ///
    /// Each event is applied in its own savepoint: an event that fails leaves no trace, stops
    /// its source there (a later event is never applied over a missing one), and the rest of
    /// the transaction goes on.
    func apply(_ segment: FeedSegment, with handler: ProjectionEventHandler) throws -> SegmentOutcome {
        var position = try self.position(of: segment.source)
        guard position >= segment.after else { return .notContiguous(position: position) }
        var count = 0
        for event in segment.events where event.position > position {
            do {
                try savepoint { try handler.handle(event.envelope, in: self) }
            } catch {
                try setPosition(position, of: segment.source)
                let failure = SegmentFailure(description: "\(error)", malformed: error is EnvelopeError)
                return .failed(position: position, count: count, failedAt: event.position, eventId: event.envelope.metadata.eventId, error: failure)
            }
            position = event.position
            count += 1
        }
        try setPosition(position, of: segment.source)
        return .applied(position: position, count: count)
    }
}
