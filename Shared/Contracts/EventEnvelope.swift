import EventSourcing
import Foundation

/// Everything about an event except its payload: the envelope's fields (contract section 4.2).
public struct EventMetadata: Codable, Sendable, Equatable {
    public var eventId: String
    public var eventType: String
    public var schemaVersion: Int
    public var aggregateType: String
    public var aggregateId: String
    public var aggregateVersion: Int
    public var occurredAt: Date
    public var correlationId: String
    public var causationId: String?
    /// The event's place in its service's store; set only in event feeds.
    public var position: Int64?

    public init(
        eventId: String, eventType: String, schemaVersion: Int, aggregateType: String, aggregateId: String,
        aggregateVersion: Int, occurredAt: Date, correlationId: String, causationId: String?, position: Int64? = nil
    ) {
        self.eventId = eventId
        self.eventType = eventType
        self.schemaVersion = schemaVersion
        self.aggregateType = aggregateType
        self.aggregateId = aggregateId
        self.aggregateVersion = aggregateVersion
        self.occurredAt = occurredAt
        self.correlationId = correlationId
        self.causationId = causationId
        self.position = position
    }

    /// The routing key this event is published with.
    public var routingKey: String { RoutingKey.of(eventType: eventType, aggregateType: aggregateType) }
}

/// An event as it travels: the JSON body of contract section 4.2, with its metadata decoded.
public struct EventEnvelope: Sendable {
    public var metadata: EventMetadata
    /// The whole JSON body, payload included.
    public var body: Data
    /// Whether this is an event as its source's store recorded it (read from an event feed): a
    /// fact, applied as it was recorded. Anything else was received, and its metadata and
    /// payload must keep the contract's rules (``Identifier``, ``Limits``) before it is handled.
    public let isRecorded: Bool

    /// Builds the body from metadata and an already-encoded JSON payload.
    public init(metadata: EventMetadata, payloadJSON: Data) throws {
        var body = Data(metadata.jsonObject())
        body.removeLast()
        body.append(contentsOf: Array(#","payload":"#.utf8))
        body.append(payloadJSON)
        body.append(UInt8(ascii: "}"))
        self.metadata = metadata
        self.body = body
        isRecorded = true
    }

    /// Parses a body received from the broker, checking its metadata against the contract's rules.
    /// - Throws: ``EnvelopeError`` naming what is missing, malformed or out of bounds.
    public init(body: Data) throws {
        self.init(metadata: try Self.decodeMetadata(body), body: body, isRecorded: false)
        if let violation = metadata.violation { throw EnvelopeError.malformed(violation.description) }
    }

    /// Parses an event as its source's store recorded it (an event feed's entry): a fact, taken as it is.
    /// - Throws: ``EnvelopeError`` when it is not an envelope.
    public init(recorded body: Data) throws {
        self.init(metadata: try Self.decodeMetadata(body), body: body, isRecorded: true)
    }

    private init(metadata: EventMetadata, body: Data, isRecorded: Bool) {
        self.metadata = metadata
        self.body = body
        self.isRecorded = isRecorded
    }

    private static func decodeMetadata(_ body: Data) throws -> EventMetadata {
        do {
            return try JSONCoding.decoder().decode(EventMetadata.self, from: body)
        } catch {
            throw EnvelopeError.malformed(JSONCoding.describe(error))
        }
    }

    /// Decodes the payload as `type`; an event payload stored in an older schema version is
    /// upcast to `type`'s current one first with ``Upcasters/contracts``.
    ///
    /// A payload of a newer schema version than this code knows is decoded as it is (a tolerant
    /// reader: fields it does not know are ignored).
    /// - Throws: ``EnvelopeError`` when the payload does not have that shape or cannot be upcast.
    public func payload<Payload: Decodable>(as type: Payload.Type) throws -> Payload {
        try payload(as: type, upcasters: .contracts)
    }

    /// Decodes the payload as `type`, upcasting an event payload of an older schema version with `upcasters`.
    ///
    /// A received payload (not ``isRecorded``) that is a ``ValidatedPayload`` must also keep its rules.
    /// - Throws: ``EnvelopeError`` when the payload does not have that shape, cannot be upcast or breaks a rule.
    public func payload<Payload: Decodable>(as type: Payload.Type, upcasters: Upcasters) throws -> Payload {
        let payload = try decodePayload(as: type, upcasters: upcasters)
        if !isRecorded, let validated = payload as? any ValidatedPayload {
            do {
                try validated.validate()
            } catch {
                throw EnvelopeError.malformed("payload of \(metadata.eventType): \(error)")
            }
        }
        return payload
    }

    private func decodePayload<Payload: Decodable>(as type: Payload.Type, upcasters: Upcasters) throws -> Payload {
        do {
            guard let current = (Payload.self as? any EventPayload.Type)?.schemaVersion, metadata.schemaVersion < current else {
                return try JSONCoding.decoder().decode(PayloadBox<Payload>.self, from: body).payload
            }
            guard case .object(var payload) = try JSONCoding.decoder().decode(PayloadBox<JSONNode>.self, from: body).payload else {
                throw UpcastingError.notAnObject(eventType: metadata.eventType)
            }
            try upcasters.upcast(&payload, eventType: metadata.eventType, from: metadata.schemaVersion, to: current)
            return try JSONCoding.decoder().decode(Payload.self, from: JSONCoding.encoder().encode(payload))
        } catch {
            throw EnvelopeError.malformed("payload of \(metadata.eventType) version \(metadata.schemaVersion): \(JSONCoding.describe(error))")
        }
    }
}

private struct PayloadBox<Payload: Decodable>: Decodable {
    var payload: Payload
}

extension EventMetadata {
    /// The first of the contract's rules these fields break, if any.
    var violation: PayloadViolation? {
        let ids = [("eventId", eventId), ("eventType", eventType), ("aggregateType", aggregateType),
                   ("aggregateId", aggregateId), ("correlationId", correlationId), ("causationId", causationId)]
        for case let (field, value?) in ids {
            if let problem = Identifier.problem(with: value) { return PayloadViolation(field: field, reason: problem) }
        }
        if aggregateVersion < 1 { return PayloadViolation(field: "aggregateVersion", reason: "must be at least 1") }
        if schemaVersion < 1 { return PayloadViolation(field: "schemaVersion", reason: "must be at least 1") }
        return nil
    }
}

/// A message body that is not a valid envelope.
public enum EnvelopeError: Error, CustomStringConvertible {
    case malformed(String)
    /// A well-formed event of a type this service does not react to: it reached the wrong queue
    /// (published there by hand, or a binding nobody declared), so it is parked, never acked as handled.
    case notAReaction(eventType: String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed envelope: \(reason)"
        case .notAReaction(let eventType): "this service does not react to \(eventType)"
        }
    }
}
