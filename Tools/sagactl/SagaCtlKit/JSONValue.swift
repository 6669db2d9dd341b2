import Foundation

/// Any JSON value, decoded and encoded with `JSONDecoder`/`JSONEncoder` so that strings keep
/// their exact bytes (JSONSerialization drops a leading U+FEFF).
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int? {
        if case .number(let value) = self { return Int(exactly: value.rounded()) }
        return nil
    }

    public var arrayValue: [JSONValue] {
        if case .array(let value) = self { return value }
        return []
    }

    public var objectValue: [String: JSONValue] {
        if case .object(let value) = self { return value }
        return [:]
    }

    /// The value as a table cell: strings as they are, numbers without a fraction when whole, `-` for null or absent.
    public var cell: String {
        switch self {
        case .null: "-"
        case .bool(let value): String(value)
        case .number(let value): value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): value
        case .array, .object: (try? JSONValue.render(self, pretty: false)) ?? "?"
        }
    }

    /// The value as JSON text with sorted keys, so that scripts see a stable shape.
    public static func render(_ value: JSONValue, pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension Optional where Wrapped == JSONValue {
    /// The value as a table cell, `-` when absent.
    public var cell: String { self?.cell ?? "-" }
}
