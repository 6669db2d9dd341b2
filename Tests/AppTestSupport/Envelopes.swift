import Contracts
import EventSourcing
import Foundation
import Messaging
import Delivery
import ServiceKit

/// Events as another service publishes them, built in a test: the contract's envelope body
/// (section 4.2) and the AMQP delivery that carries it.
public enum Envelopes {
    /// The body the owning service publishes for `payload`.
    public static func body<Payload: EventPayload>(
        _ payload: Payload, aggregateId: String, version: Int = 1, correlationId: String, causationId: String? = nil,
        eventId: String = UUID().uuidString.lowercased(), position: Int64? = nil, occurredAt: Date = Date(timeIntervalSince1970: 1_800_000_000)
    ) throws -> Data {
        let metadata = EventMetadata(
            eventId: eventId, eventType: Payload.eventType, schemaVersion: Payload.schemaVersion, aggregateType: Payload.aggregateType,
            aggregateId: aggregateId, aggregateVersion: version, occurredAt: occurredAt, correlationId: correlationId,
            causationId: causationId, position: position
        )
        return try EventEnvelope(metadata: metadata, payloadJSON: JSONCoding.encoder().encode(payload)).body
    }

    /// `payload` as a consumer receives it: parsed from the published body and held to the contract's rules.
    public static func received<Payload: EventPayload>(
        _ payload: Payload, aggregateId: String, version: Int = 1, correlationId: String, causationId: String? = nil,
        eventId: String = UUID().uuidString.lowercased()
    ) throws -> EventEnvelope {
        try EventEnvelope(body: body(
            payload, aggregateId: aggregateId, version: version, correlationId: correlationId, causationId: causationId, eventId: eventId
        ))
    }

    /// `payload` as an event feed serves it: a recorded fact at `position` of its source's store.
    public static func recorded<Payload: EventPayload>(
        _ payload: Payload, aggregateId: String, version: Int = 1, correlationId: String,
        eventId: String = UUID().uuidString.lowercased(), position: Int64, occurredAt: Date = Date(timeIntervalSince1970: 1_800_000_000)
    ) throws -> EventEnvelope {
        try EventEnvelope(recorded: body(
            payload, aggregateId: aggregateId, version: version, correlationId: correlationId, eventId: eventId,
            position: position, occurredAt: occurredAt
        ))
    }
}

/// AMQP deliveries built in a test, as the broker hands them to a consumer.
public enum Deliveries {
    /// A delivery of `body` published to `exchange`, with the relay's ``EventHeader/sourcePosition``
    /// header when `position` is given and the retry header when `attempt` is.
    public static func make(
        body: Data, exchange: String, routingKey: String = "", messageId: String? = nil, position: Int64? = nil,
        attempt: Int? = nil, headers: [String: AMQPFieldValue] = [:], redelivered: Bool = false, tag: UInt64 = 1
    ) -> Delivery {
        var headers = headers
        if let position { headers[EventHeader.sourcePosition] = .int(position) }
        if let attempt { headers[DeliveryHeader.attempts] = .int(Int64(attempt)) }
        return Delivery(
            deliveryTag: tag, exchange: exchange, routingKey: routingKey, redelivered: redelivered, body: body,
            properties: MessageProperties(messageId: messageId, contentType: "application/json", headers: headers)
        )
    }
}
