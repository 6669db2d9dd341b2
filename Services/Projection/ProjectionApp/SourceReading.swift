import Contracts
import Foundation

/// What a batch learnt from one source's feed: the events it read (and applied), and how far.
struct SourceReading {
    /// The id of every event read, by position.
    private(set) var events: [Int64: String] = [:]
    /// The highest position read, where the next page starts: the events after the source's
    /// applied position up to it are exactly those in ``events``.
    private(set) var reached: Int64
    /// The feed has nothing after ``reached``.
    private(set) var atEnd = false
    /// Reading stopped before the claims' end: the feed failed, or the store was replaced meanwhile.
    var interrupted = false
    /// The event the source stopped at, when one could not be applied.
    private(set) var failure: FeedReader.Failure?

    init(after position: Int64) {
        reached = position
    }

    /// Takes in a page read with `limit`.
    mutating func record(_ page: FeedPage, limit: Int) {
        for event in page.events { events[event.position] = event.envelope.metadata.eventId }
        reached = max(reached, page.nextPosition)
        atEnd = page.events.count < limit
    }

    /// Takes in what applying the page did to the store.
    mutating func record(_ outcome: SegmentOutcome) {
        switch outcome {
        case .applied:
            break
        case .notContiguous:
            interrupted = true
        case .failed(_, _, let failedAt, let eventId, let error):
            failure = FeedReader.Failure(position: failedAt, eventId: eventId, error: error)
        }
    }

    /// Whether another page is needed to reach `through` (the feed's end when `nil`).
    func needsMore(through: Int64?) -> Bool {
        !atEnd && !interrupted && failure == nil && (through.map { reached < $0 } ?? true)
    }

    /// What to make of a claim of this source after its position `applied` (given before reading).
    /// - Parameter known: the claimed event is among the source's events the store had applied before.
    func verdict(for claim: BatchPlan.Claim, applied: Int64, known: Bool) -> ClaimVerdict {
        let source = claim.source.rawValue
        if let claimed = claim.position, claimed <= applied {
            return known ? .duplicate : .foreign("\(source) has another event at position \(claimed), applied already")
        }
        let position = claim.position ?? events.first { Identifier.same($0.value, claim.eventId) }?.key
        if let position, let id = events[position] {
            guard Identifier.same(id, claim.eventId) else { return .foreign("the feed of \(source) has event \(id) at position \(position)") }
            if let failure, failure.position <= position {
                return failure.position == position ? .retry(failure) : .deferred
            }
            return .applied
        }
        if claim.position == nil, known { return .duplicate }
        if let claimed = claim.position, claimed <= reached { return .foreign("the feed of \(source) has no event at position \(claimed)") }
        guard atEnd else { return .deferred }
        if let claimed = claim.position { return .foreign("the feed of \(source) ends at position \(reached), before \(claimed)") }
        return .foreign("the feed of \(source) does not have event \(claim.eventId)")
    }
}

/// What a delivery turned out to be, once its source's feed was read.
enum ClaimVerdict {
    /// The source's event at the claimed position, applied from the feed now.
    case applied
    /// An event applied before.
    case duplicate
    /// Not verifiable now (the feed cannot be read) or its source is stopped before it: acked,
    /// the catch-up applies the feed's events.
    case deferred
    /// The feed's event at the claimed position, which could not be applied: retried, then parked.
    case retry(FeedReader.Failure)
    /// Not the source's event at its claimed position (forged, foreign, from a rolled-back store).
    case foreign(String)
}
