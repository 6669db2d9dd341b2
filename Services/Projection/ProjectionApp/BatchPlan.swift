import Contracts
import Foundation
import Messaging
import ServiceKit

/// A batch of deliveries read as notifications: each one claims that its source has a given
/// event at a given position. Nothing in a delivery is applied; it only says how far to read
/// its source's feed, which is the one authority on what the source's events are.
///
/// The source is the exchange the message was published to (`orders`, `payments`,
/// `inventory`; for a retried or replayed message, its `x-original-exchange`), never the body.
/// The claimed position is the ``EventHeader/sourcePosition`` header, or the body's
/// `position`; the claimed event is the message id (the body's `eventId` when absent).
struct BatchPlan {
    /// A delivery that is an envelope published to a source's exchange.
    struct Claim {
        var delivery: Delivery
        var source: ServiceName
        var eventId: String
        /// `nil` when the delivery claims no position: the source's feed is read to its end.
        var position: Int64?
    }

    /// How far one source's feed is to be read.
    struct FeedRead: Equatable {
        /// The source's applied position.
        var after: Int64
        /// The highest position claimed; `nil` to read the feed to its end.
        var through: Int64?
    }

    var claims: [Claim] = []
    /// Deliveries that are not envelopes from a source's exchange (or whose headers did not
    /// arrive whole), with the reason.
    var malformed: [(delivery: Delivery, reason: String)] = []

    init(_ batch: [Delivery]) {
        for delivery in batch {
            if let error = delivery.headerTableError {
                malformed.append((delivery, error))
                continue
            }
            let envelope: EventEnvelope
            do {
                envelope = try EventEnvelope(body: delivery.body)
            } catch {
                malformed.append((delivery, "\(error)"))
                continue
            }
            guard let source = Self.source(of: delivery) else {
                malformed.append((delivery, "not published to a source's exchange (\(Self.exchanges)): \"\(Self.exchange(of: delivery))\""))
                continue
            }
            claims.append(Claim(
                delivery: delivery, source: source, eventId: delivery.properties.messageId ?? envelope.metadata.eventId,
                position: delivery.sourcePosition ?? envelope.metadata.position
            ))
        }
    }

    /// Per source that claims anything after its applied position, how far to read its feed.
    func reads(at positions: [ServiceName: Int64]) -> [ServiceName: FeedRead] {
        var reads: [ServiceName: FeedRead] = [:]
        for claim in claims {
            let applied = positions[claim.source] ?? 0
            if let position = claim.position, position <= applied { continue }
            let current = reads[claim.source] ?? FeedRead(after: applied, through: claim.position)
            reads[claim.source] = FeedRead(after: applied, through: claim.position.flatMap { position in current.through.map { max($0, position) } })
        }
        return reads
    }

    /// The exchange a delivery was first published to.
    static func exchange(of delivery: Delivery) -> String {
        if delivery.exchange.isEmpty, case .string(let original) = delivery.properties.headers[DeliveryHeader.originalExchange] {
            return original
        }
        return delivery.exchange
    }

    /// The source whose exchange a delivery was published to.
    static func source(of delivery: Delivery) -> ServiceName? {
        let exchange = exchange(of: delivery)
        return ProjectionSources.all.first { $0.exchange == exchange }
    }

    private static var exchanges: String { ProjectionSources.all.compactMap(\.exchange).joined(separator: ", ") }
}
