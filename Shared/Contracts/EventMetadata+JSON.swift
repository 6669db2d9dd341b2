import Foundation

extension EventMetadata {
    /// The metadata as a JSON object, written by hand: what ``JSONCoding/encoder()`` writes for it
    /// (keys sorted, `causationId` and `position` left out when `nil`, times as ``Timestamp``),
    /// without the cost of `Encodable` for every event the relay publishes and the feed serves.
    public func jsonObject() -> [UInt8] {
        var json: [UInt8] = []
        json.reserveCapacity(320)
        json.append(UInt8(ascii: "{"))
        JSONText.member("aggregateId", string: aggregateId, first: true, into: &json)
        JSONText.member("aggregateType", string: aggregateType, into: &json)
        JSONText.member("aggregateVersion", integer: Int64(aggregateVersion), into: &json)
        if let causationId { JSONText.member("causationId", string: causationId, into: &json) }
        JSONText.member("correlationId", string: correlationId, into: &json)
        JSONText.member("eventId", string: eventId, into: &json)
        JSONText.member("eventType", string: eventType, into: &json)
        JSONText.member("occurredAt", string: Timestamp.format(occurredAt), into: &json)
        if let position { JSONText.member("position", integer: position, into: &json) }
        JSONText.member("schemaVersion", integer: Int64(schemaVersion), into: &json)
        json.append(UInt8(ascii: "}"))
        return json
    }
}

/// Pieces of JSON text, escaped as `JSONEncoder` escapes them with `.withoutEscapingSlashes`.
enum JSONText {
    static func member(_ key: StaticString, string value: String, first: Bool = false, into json: inout [UInt8]) {
        name(key, first: first, into: &json)
        string(value, into: &json)
    }

    static func member(_ key: StaticString, integer value: Int64, first: Bool = false, into json: inout [UInt8]) {
        name(key, first: first, into: &json)
        json.append(contentsOf: String(value).utf8)
    }

    private static func name(_ key: StaticString, first: Bool, into json: inout [UInt8]) {
        if !first { json.append(UInt8(ascii: ",")) }
        json.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { json.append(contentsOf: $0) }
        json.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// `value` as a JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    static func string(_ value: String, into json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                json.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }
}
