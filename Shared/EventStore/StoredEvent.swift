import Contracts
import EventSourcing
import Foundation
import GRDB

/// An event as the store holds it: its metadata and its payload's JSON.
public struct StoredEvent: Sendable {
    public var metadata: EventMetadata
    public var payloadJSON: Data
    /// The W3C trace context it was appended under, for an event read from the outbox; else `nil`.
    public var traceParent: String?

    /// The global position in this store (commit order).
    public var position: Int64 { metadata.position ?? 0 }

    /// The wire form of this event (contract section 4.2), with its position when `includePosition`.
    public func envelope(includePosition: Bool = false) throws -> EventEnvelope {
        var metadata = metadata
        if !includePosition { metadata.position = nil }
        return try EventEnvelope(metadata: metadata, payloadJSON: payloadJSON)
    }

    /// Decodes the payload as a member of `family`, upcasting it first when it was stored in an older schema version.
    ///
    /// The stored row is not changed: upcasting happens on every read.
    /// - Throws: ``EventStoreError/unknownEventType(_:)``, an `UpcastingError` (a missing step, or an event
    ///   stored by a newer version of the code than this one), or a decoding error.
    public func decode<Family: EventFamily>(as family: Family.Type, upcasters: Upcasters = .contracts) throws -> Family {
        try Self.decode(
            Family.self, eventType: metadata.eventType, schemaVersion: metadata.schemaVersion, payloadJSON: payloadJSON,
            upcasters: upcasters, decoder: JSONCoding.decoder()
        )
    }

    /// Decodes a stored payload as a member of `family`, upcasting it first when it is older than its type.
    static func decode<Family: EventFamily>(
        _ family: Family.Type, eventType: String, schemaVersion: Int, payloadJSON: Data, upcasters: Upcasters, decoder: JSONDecoder
    ) throws -> Family {
        guard let type = Family.payloadType(for: eventType) else {
            throw EventStoreError.unknownEventType(eventType)
        }
        let json = try upcasters.upcast(payloadJSON: payloadJSON, eventType: eventType, from: schemaVersion, to: type.schemaVersion)
        let payload = try decoder.decode(type, from: json)
        guard let event = Family(payload: payload) else { throw EventStoreError.unknownEventType(eventType) }
        return event
    }
}

extension StoredEvent {
    static let columns = """
        position, event_id, event_type, schema_version, aggregate_type, aggregate_id, version,
        occurred_at, correlation_id, causation_id, payload
        """

    init(row: Row) {
        let occurredAt: String = row["occurred_at"]
        let metadata = EventMetadata(
            eventId: row["event_id"], eventType: row["event_type"], schemaVersion: row["schema_version"],
            aggregateType: row["aggregate_type"], aggregateId: row["aggregate_id"], aggregateVersion: row["version"],
            occurredAt: Timestamp.parse(occurredAt) ?? Date(timeIntervalSince1970: 0),
            correlationId: row["correlation_id"], causationId: row["causation_id"], position: row["position"]
        )
        let payload: String = row["payload"]
        self.init(metadata: metadata, payloadJSON: Data(payload.utf8), traceParent: row.hasColumn("traceparent") ? row["traceparent"] : nil)
    }
}

/// What the event store refuses.
public enum EventStoreError: Error, Equatable, CustomStringConvertible {
    /// Another writer appended to the stream first; reload and decide again.
    case concurrencyConflict(aggregateType: String, aggregateId: String, expectedVersion: Int)
    /// A stored event whose type no event family of this service knows.
    case unknownEventType(String)
    /// A payload that belongs to another kind of aggregate than the stream it is appended to.
    case wrongAggregate(eventType: String, aggregateType: String)

    public var description: String {
        switch self {
        case .concurrencyConflict(let type, let id, let version):
            "\(type) \(id) changed after version \(version) was read"
        case .unknownEventType(let type): "unknown event type \(type)"
        case .wrongAggregate(let eventType, let aggregateType): "\(eventType) cannot be appended to a \(aggregateType) stream"
        }
    }
}
