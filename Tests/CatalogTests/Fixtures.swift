import Contracts
import EventSourcing
@testable import EventStore
import Foundation
import TestSupport

/// One committed example of an event in one schema version: `Fixtures/<EventType>.v<N>.json`,
/// a whole envelope body as a store of that version wrote it.
struct Fixture: Sendable, CustomStringConvertible {
    let eventType: String
    let schemaVersion: Int
    /// The file's bytes.
    let body: Data
    let json: JSONValue

    var name: String { "\(eventType).v\(schemaVersion)" }
    var description: String { name }

    /// The fixture's payload object.
    var payload: JSONValue { json["payload"] ?? .null }

    /// `Tests/CatalogTests/Fixtures`.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures", isDirectory: true)

    /// The names of every fixture file, without `.json`.
    static func fileNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }.sorted()
    }

    /// The fixture of `eventType` in `version`.
    /// - Throws: when the file is missing or is not an envelope of that type and version.
    static func load(_ eventType: String, version: Int) throws -> Fixture {
        let url = directory.appendingPathComponent("\(eventType).v\(version).json")
        let body = try Data(contentsOf: url)
        let json = try JSONDecoder().decode(JSONValue.self, from: body)
        guard json["eventType"]?.stringValue == eventType, json["schemaVersion"]?.intValue == version else {
            throw FixtureError(description: "\(url.lastPathComponent) is not an envelope of \(eventType) version \(version)")
        }
        return Fixture(eventType: eventType, schemaVersion: version, body: body, json: json)
    }

    /// Every fixture the code's event types and versions call for (``CodeCatalog/versions``).
    static func all() throws -> [Fixture] {
        try CodeCatalog.versions.map { try load($0.type.eventType, version: $0.version) }
    }

    /// The stored event this fixture is: its metadata and its payload as sorted-key JSON.
    func storedEvent(position: Int64? = nil) throws -> StoredEvent {
        var metadata = try JSONCoding.decoder().decode(EventMetadata.self, from: body)
        metadata.position = position
        return StoredEvent(metadata: metadata, payloadJSON: try JSONCoding.encoder().encode(payload))
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

extension JSONValue {
    /// This object with `key` set to `value` (unchanged when it is not an object).
    func setting(_ key: String, to value: JSONValue) -> JSONValue {
        guard case .object(var fields) = self else { return self }
        fields[key] = value
        return .object(fields)
    }

    /// This object without `key`.
    func removing(_ key: String) -> JSONValue {
        guard case .object(var fields) = self else { return self }
        fields[key] = nil
        return .object(fields)
    }

    /// The keys of an object; empty for anything else.
    var keys: Set<String> {
        guard case .object(let fields) = self else { return [] }
        return Set(fields.keys)
    }
}
