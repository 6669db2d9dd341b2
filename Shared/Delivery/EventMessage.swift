import Contracts
import EventStore
import Foundation
import Messaging

extension OutgoingMessage {
    /// The persistent message for a stored event: the contract's envelope body and AMQP properties,
    /// plus the event's store position in the ``EventHeader/sourcePosition`` header.
    public init(event: StoredEvent, exchange: String, publisher: ServiceName) throws {
        let metadata = event.metadata
        var headers: [String: AMQPFieldValue] = [
            "schema-version": .int(Int64(metadata.schemaVersion)),
            "traceparent": .string(TraceParent.header(correlationId: metadata.correlationId, eventId: metadata.eventId)),
        ]
        if let causationId = metadata.causationId { headers["causation-id"] = .string(causationId) }
        if let position = metadata.position { headers[EventHeader.sourcePosition] = .int(position) }
        self.init(
            exchange: exchange,
            routingKey: metadata.routingKey,
            body: Array(try event.envelope().body),
            properties: MessageProperties(
                messageId: metadata.eventId, correlationId: metadata.correlationId, type: metadata.eventType,
                contentType: "application/json", appId: publisher.rawValue, timestamp: metadata.occurredAt,
                headers: headers
            )
        )
    }
}

/// Headers of published events beyond the contract's (compatible extensions).
public enum EventHeader {
    /// The event's position in its source's store (the `position` of its feed, contract section 4.4):
    /// lets a consumer see duplicates and gaps per source.
    public static let sourcePosition = "x-source-position"
}

extension Delivery {
    /// The event's position in its source's store, from ``EventHeader/sourcePosition``; `nil` when absent.
    public var sourcePosition: Int64? {
        if case .int(let value) = properties.headers[EventHeader.sourcePosition], value > 0 { return value }
        return nil
    }
}

/// W3C `traceparent` values that put every event of one saga in one trace.
enum TraceParent {
    /// `00-<trace id from the correlation id>-<span id from the event id>-01`.
    static func header(correlationId: String, eventId: String) -> String {
        "00-\(hex128(correlationId))-\(String(hex128(eventId).prefix(16)))-01"
    }

    /// A UUID's 32 hex digits in lower case, or a stable 128-bit FNV-1a hash of any other string.
    private static func hex128(_ text: String) -> String {
        if let digits = uuidDigits(text) { return digits }
        var high: UInt64 = 0xcbf2_9ce4_8422_2325
        var low: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in text.utf8 {
            high = (high ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            low = (low ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 &+ high
        }
        return hex(high) + hex(low)
    }

    /// The 32 hex digits of a UUID written `8-4-4-4-12` (either case), lower-cased; `nil` for anything else.
    private static func uuidDigits(_ text: String) -> String? {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return nil }
        var digits: [UInt8] = []
        digits.reserveCapacity(32)
        for (index, byte) in utf8.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): digits.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digits.append(byte + 32)
            default: return nil
            }
        }
        return String(decoding: digits, as: UTF8.self)
    }

    /// `value` as 16 lower-case hex digits.
    private static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
