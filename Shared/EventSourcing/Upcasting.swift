/// A JSON value, as an upcaster sees an event's payload.
public enum JSONNode: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONNode])
    case object([String: JSONNode])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONNode].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONNode].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// One step in the history of an event's shape: turns a payload of `fromVersion` into one of `fromVersion + 1`.
///
/// Upcasters run on read; stored events are never rewritten. A step must be pure and total over
/// every payload that version ever had (it is a migration of old facts, not a validation).
public struct Upcaster: Sendable {
    public var eventType: String
    public var fromVersion: Int
    public var transform: @Sendable (inout [String: JSONNode]) throws -> Void

    /// - Parameters:
    ///   - eventType: the event type whose payloads it changes, e.g. `ProductRestocked`.
    ///   - fromVersion: the schema version it reads; it produces `fromVersion + 1`.
    ///   - transform: rewrites the payload object in place.
    public init(eventType: String, fromVersion: Int, transform: @escaping @Sendable (inout [String: JSONNode]) throws -> Void) {
        self.eventType = eventType
        self.fromVersion = fromVersion
        self.transform = transform
    }
}

/// The upcasters of a service, chained per event type: version n goes through n → n+1 → … → the current one.
public struct Upcasters: Sendable {
    private var steps: [Key: Upcaster] = [:]

    private struct Key: Hashable {
        var eventType: String
        var fromVersion: Int
    }

    /// No upcasters: every stored event must already be in its current shape.
    public static let none = Upcasters()

    public init(_ upcasters: [Upcaster] = []) {
        for upcaster in upcasters { register(upcaster) }
    }

    /// Adds a step; a later step for the same event type and version replaces an earlier one.
    public mutating func register(_ upcaster: Upcaster) {
        steps[Key(eventType: upcaster.eventType, fromVersion: upcaster.fromVersion)] = upcaster
    }

    /// These upcasters and `other`'s (`other` wins where both have a step).
    public func merging(_ other: Upcasters) -> Upcasters {
        var merged = self
        merged.steps.merge(other.steps) { _, new in new }
        return merged
    }

    /// Brings `payload` from `version` up to `target`, one step at a time.
    /// - Throws: ``UpcastingError/missingStep(eventType:fromVersion:)`` when a step of the chain is not registered,
    ///   ``UpcastingError/newerThanKnown(eventType:stored:known:)`` when `version` is already above `target`,
    ///   or whatever a step throws.
    public func upcast(_ payload: inout [String: JSONNode], eventType: String, from version: Int, to target: Int) throws {
        guard version <= target else {
            throw UpcastingError.newerThanKnown(eventType: eventType, stored: version, known: target)
        }
        for step in version..<target {
            guard let upcaster = steps[Key(eventType: eventType, fromVersion: step)] else {
                throw UpcastingError.missingStep(eventType: eventType, fromVersion: step)
            }
            try upcaster.transform(&payload)
        }
    }
}

/// Why an old event could not be brought to its current shape.
public enum UpcastingError: Error, Equatable, CustomStringConvertible {
    /// No upcaster turns this version of the event into the next one.
    case missingStep(eventType: String, fromVersion: Int)
    /// The event was written by a newer version of the code than this one (its shape is unknown here).
    case newerThanKnown(eventType: String, stored: Int, known: Int)
    /// The payload is not a JSON object.
    case notAnObject(eventType: String)

    public var description: String {
        switch self {
        case .missingStep(let type, let version): "no upcaster turns \(type) version \(version) into version \(version + 1)"
        case .newerThanKnown(let type, let stored, let known): "\(type) is stored in version \(stored), this code knows up to \(known)"
        case .notAnObject(let type): "the payload of \(type) is not a JSON object"
        }
    }
}
