import Contracts
import EventStore
import Foundation
import Messaging

extension ParkedMessageRecord {
    /// The row for a message delivered from the parking queue: its filter fields from the parking
    /// headers and properties, and the whole message (body, properties, headers) to replay it.
    /// A message without a message id gets one, so that it can be addressed.
    /// - Parameter now: the parking time of a message without a readable `x-parked-at` header.
    init(_ delivery: Delivery, now: Date = Date()) {
        var properties = delivery.properties
        properties.headers = delivery.headersForCopy
        if properties.messageId?.isEmpty ?? true { properties.messageId = UUID().uuidString.lowercased() }
        let headers = properties.headers
        func text(_ name: String) -> String? {
            if case .string(let value) = headers[name] { return value }
            return nil
        }
        self.init(
            messageId: properties.messageId ?? "",
            eventType: properties.type,
            reason: text(DeliveryHeader.parkedReason),
            source: properties.appId,
            parkedAt: text(DeliveryHeader.parkedAt).flatMap(Timestamp.parse) ?? now,
            correlationId: properties.correlationId,
            originalExchange: text(DeliveryHeader.originalExchange),
            originalRoutingKey: text(DeliveryHeader.originalRoutingKey),
            error: text(DeliveryHeader.exception) ?? delivery.headerTableError,
            attempts: delivery.attempt,
            deliveryExchange: delivery.exchange,
            deliveryRoutingKey: delivery.routingKey,
            properties: StoredProperties(properties).json,
            body: delivery.body
        )
    }

    /// The message that replays this one: the same body, properties and headers, without the
    /// parking headers (so its attempt count starts afresh), stamped `x-replayed-at`, published
    /// `mandatory` to the service's work queue through the default exchange.
    func replay(to queue: String, now: Date = Date()) -> OutgoingMessage {
        var properties = StoredProperties.decode(self.properties)
        properties.messageId = messageId
        for header in [DeliveryHeader.parkedReason, DeliveryHeader.parkedAt, DeliveryHeader.exception, DeliveryHeader.attempts] {
            properties.headers[header] = nil
        }
        properties.headers[DeliveryHeader.replayedAt] = .string(Timestamp.format(now))
        return OutgoingMessage(exchange: "", routingKey: queue, body: Array(body), properties: properties, mandatory: true)
    }
}

/// AMQP properties and headers as JSON, so that a stored message can be published again exactly.
struct StoredProperties: Codable {
    var messageId: String?
    var correlationId: String?
    var type: String?
    var contentType: String?
    var appId: String?
    /// Seconds since 1970 (AMQP timestamps have a resolution of one second).
    var timestamp: Double?
    var persistent: Bool
    var headers: [String: StoredFieldValue]

    init(_ properties: MessageProperties) {
        messageId = properties.messageId
        correlationId = properties.correlationId
        type = properties.type
        contentType = properties.contentType
        appId = properties.appId
        timestamp = properties.timestamp?.timeIntervalSince1970
        persistent = properties.persistent
        headers = properties.headers.mapValues(StoredFieldValue.init)
    }

    var json: String {
        // Encoding plain strings, numbers and nested tables cannot fail.
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The properties written by ``json``; empty persistent properties when the text is not such JSON.
    static func decode(_ json: String) -> MessageProperties {
        guard let stored = try? JSONDecoder().decode(StoredProperties.self, from: Data(json.utf8)) else { return MessageProperties() }
        return MessageProperties(
            messageId: stored.messageId, correlationId: stored.correlationId, type: stored.type, contentType: stored.contentType,
            appId: stored.appId, timestamp: stored.timestamp.map(Date.init(timeIntervalSince1970:)),
            headers: stored.headers.mapValues(\.value), persistent: stored.persistent
        )
    }
}

/// One header value, kept with its AMQP kind: `{"s": "text"}`, `{"i": 3}`, `{"b": true}`,
/// `{"d": 1.5}`, `{"a": [...]}` or `{"t": {...}}`.
enum StoredFieldValue: Codable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case array([StoredFieldValue])
    case table([String: StoredFieldValue])

    init(_ value: AMQPFieldValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .int(let number): self = .int(number)
        case .bool(let flag): self = .bool(flag)
        case .double(let number): self = .double(number)
        case .array(let values): self = .array(values.map(StoredFieldValue.init))
        case .table(let table): self = .table(table.mapValues(StoredFieldValue.init))
        }
    }

    var value: AMQPFieldValue {
        switch self {
        case .string(let text): .string(text)
        case .int(let number): .int(number)
        case .bool(let flag): .bool(flag)
        case .double(let number): .double(number)
        case .array(let values): .array(values.map(\.value))
        case .table(let table): .table(table.mapValues(\.value))
        }
    }

    private enum Kind: String, CodingKey {
        case s, i, b, d, a, t
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Kind.self)
        guard let kind = container.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a header value needs its kind"))
        }
        switch kind {
        case .s: self = .string(try container.decode(String.self, forKey: kind))
        case .i: self = .int(try container.decode(Int64.self, forKey: kind))
        case .b: self = .bool(try container.decode(Bool.self, forKey: kind))
        case .d: self = .double(try container.decode(Double.self, forKey: kind))
        case .a: self = .array(try container.decode([StoredFieldValue].self, forKey: kind))
        case .t: self = .table(try container.decode([String: StoredFieldValue].self, forKey: kind))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Kind.self)
        switch self {
        case .string(let text): try container.encode(text, forKey: .s)
        case .int(let number): try container.encode(number, forKey: .i)
        case .bool(let flag): try container.encode(flag, forKey: .b)
        case .double(let number): try container.encode(number, forKey: .d)
        case .array(let values): try container.encode(values, forKey: .a)
        case .table(let table): try container.encode(table, forKey: .t)
        }
    }
}
