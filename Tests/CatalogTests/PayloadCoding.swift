import Contracts
import EventSourcing
import Foundation
import TestSupport

/// Decoding and encoding a payload JSON as one of the code's payload types (opened from `any EventPayload.Type`).
enum PayloadCoding {
    /// Whether the code decodes `payload` as `type`.
    static func decodes(_ type: any EventPayload.Type, _ payload: JSONValue) -> Bool {
        (try? roundTrip(type, payload)) != nil
    }

    /// `payload` decoded as `type` and encoded again, as the code writes it.
    static func roundTrip(_ type: any EventPayload.Type, _ payload: JSONValue) throws -> JSONValue {
        try reencode(type, try JSONEncoder().encode(payload))
    }

    /// Whether a consumer takes `payload` as `type`: it decodes and keeps the contract's rules (``ValidatedPayload``).
    static func isAccepted(_ type: any EventPayload.Type, _ payload: JSONValue) -> Bool {
        guard let data = try? JSONEncoder().encode(payload) else { return false }
        return accepts(type, data)
    }

    private static func reencode<Payload: EventPayload>(_ type: Payload.Type, _ data: Data) throws -> JSONValue {
        let payload = try JSONCoding.decoder().decode(Payload.self, from: data)
        return try JSONDecoder().decode(JSONValue.self, from: JSONCoding.encoder().encode(payload))
    }

    private static func accepts<Payload: EventPayload>(_ type: Payload.Type, _ data: Data) -> Bool {
        guard let payload = try? JSONCoding.decoder().decode(Payload.self, from: data) else { return false }
        guard let validated = payload as? any ValidatedPayload else { return true }
        do {
            try validated.validate()
            return true
        } catch {
            return false
        }
    }
}

/// A payload schema file of docs/events/schemas, read as plain JSON.
struct PayloadSchema {
    let name: String
    let json: JSONValue

    init(_ eventType: String, version: Int) throws {
        name = "\(eventType).v\(version).json"
        let url = CatalogValidator.documents.appendingPathComponent("schemas/\(name)")
        json = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
    }

    /// `node` with a local `$ref` (`#/$defs/…`) followed.
    func resolved(_ node: JSONValue) -> JSONValue {
        guard let ref = node["$ref"]?.stringValue, ref.hasPrefix("#/$defs/") else { return node }
        return json["$defs"]?[String(ref.dropFirst("#/$defs/".count))] ?? .null
    }

    /// The object schemas to compare with the code: the payload's, and each of its arrays' item
    /// objects, with the path to a sample of it in a payload (`items[0]`).
    func objects(in payload: JSONValue) -> [(path: [PathStep], schema: JSONValue)] {
        var result: [(path: [PathStep], schema: JSONValue)] = [([], json)]
        for (key, property) in json["properties"]?.objectValue ?? [:] {
            let property = resolved(property)
            guard property["type"]?.stringValue == "array" else { continue }
            let items = resolved(property["items"] ?? .null)
            if items["type"]?.stringValue == "object", payload[key]?[0] != nil {
                result.append(([.key(key), .index(0)], items))
            }
        }
        return result
    }
}

/// One step into a JSON value.
enum PathStep: CustomStringConvertible {
    case key(String)
    case index(Int)

    var description: String {
        switch self {
        case .key(let key): key
        case .index(let index): "[\(index)]"
        }
    }
}

extension JSONValue {
    /// The value at `path`.
    func at(_ path: [PathStep]) -> JSONValue? {
        var node: JSONValue? = self
        for step in path {
            switch step {
            case .key(let key): node = node?[key]
            case .index(let index): node = node?[index]
            }
        }
        return node
    }

    /// This value with the value at `path` replaced by `transform`'s result.
    func updating(_ path: [PathStep], _ transform: (JSONValue) -> JSONValue) -> JSONValue {
        guard let step = path.first else { return transform(self) }
        let rest = Array(path.dropFirst())
        switch (step, self) {
        case (.key(let key), .object(var fields)):
            if let child = fields[key] { fields[key] = child.updating(rest, transform) }
            return .object(fields)
        case (.index(let index), .array(var elements)) where elements.indices.contains(index):
            elements[index] = elements[index].updating(rest, transform)
            return .array(elements)
        default:
            return self
        }
    }
}
