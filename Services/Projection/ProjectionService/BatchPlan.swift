import Contracts
import Foundation
import Messaging
import ServiceKit

/// What to do with a batch of deliveries, source by source, given how far each source is applied.
///
/// Per source: the events after its position, if they follow it one by one, are applied as
/// they are; if one is missing in between (or a delivery carries no position), the source's
/// feed is read up to the newest of them instead. Events at or before the position are
/// duplicates. Positions come from the ``EventHeader/sourcePosition`` header, or the body's
/// `position` (an event copied from a feed).
struct BatchPlan {
    /// A delivery that is an event of a known source.
    struct Received {
        var delivery: Delivery
        var source: ServiceName
        var envelope: EventEnvelope
        var position: Int64?
    }

    /// What to do for one source.
    enum Work {
        /// Apply these events: they follow the source's position one by one.
        case apply(FeedSegment)
        /// Read the feed up to this position (to its end when `nil`): something is missing before it.
        case fill(through: Int64?)
    }

    var received: [Received] = []
    /// Deliveries that are not events of a known source, with the reason.
    var malformed: [(delivery: Delivery, reason: String)] = []

    init(_ batch: [Delivery]) {
        for delivery in batch {
            let envelope: EventEnvelope
            do {
                envelope = try EventEnvelope(body: delivery.body)
            } catch {
                malformed.append((delivery, "\(error)"))
                continue
            }
            guard let source = ServiceName(owning: envelope.metadata.aggregateType), ProjectionSources.all.contains(source) else {
                malformed.append((delivery, "no source owns aggregate type \(envelope.metadata.aggregateType)"))
                continue
            }
            let position = delivery.sourcePosition ?? envelope.metadata.position
            received.append(Received(delivery: delivery, source: source, envelope: envelope, position: position))
        }
    }

    /// Ids of the events that carry no position.
    var unpositioned: [String] { received.filter { $0.position == nil }.map(\.envelope.metadata.eventId) }

    /// Whether a delivery is a duplicate: at or before its source's position, or, without a
    /// position, among the events known to be applied.
    func isDuplicate(_ event: Received, at positions: [ServiceName: Int64], applied: Set<String>) -> Bool {
        guard let position = event.position else { return applied.contains(event.envelope.metadata.eventId) }
        return position <= positions[event.source] ?? 0
    }

    /// The work per source, for sources that have anything new.
    /// - Parameter applied: events without a position known to be applied already.
    func work(at positions: [ServiceName: Int64], applied appliedIds: Set<String>) -> [ServiceName: Work] {
        var work: [ServiceName: Work] = [:]
        for source in ProjectionSources.all {
            let applied = positions[source] ?? 0
            let events = received.filter { $0.source == source && !isDuplicate($0, at: positions, applied: appliedIds) }
            guard !events.isEmpty else { continue }
            let positioned = events.compactMap { event in event.position.map { PositionedEvent(position: $0, envelope: event.envelope) } }
            guard positioned.count == events.count else {
                work[source] = .fill(through: nil)
                continue
            }
            var newer: [PositionedEvent] = []
            for event in positioned.sorted(by: { $0.position < $1.position }) where event.position > (newer.last?.position ?? applied) {
                newer.append(event)
            }
            guard let last = newer.last else { continue }
            let followsOn = zip(newer.indices, newer).allSatisfy { index, event in event.position == applied + Int64(index) + 1 }
            work[source] = followsOn ? .apply(FeedSegment(source: source, after: applied, events: newer)) : .fill(through: last.position)
        }
        return work
    }
}
