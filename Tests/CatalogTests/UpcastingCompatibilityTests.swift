import Contracts
import EventSourcing
@testable import EventStore
import Foundation
import GRDB
import InventoryDomain
import OrderDomain
import PaymentDomain
import Testing
import TestSupport

/// Every schema version is readable from every older one: a row of each version, in a store file
/// laid out as the first release wrote it, is read through the store's and a consumer's upcasting
/// paths and comes out as the current version, valid against the current schema.
@Suite("Old event versions upcast to the current schema", .timeLimit(.minutes(10)))
struct UpcastingCompatibilityTests {
    @Test func everyFixtureIsValidAgainstTheSchemaOfItsOwnVersion() async throws {
        let cases: [JSONValue] = try Fixture.all().map { fixture in
            .object(["label": .string("fixture \(fixture.name)"), "message": fixture.json])
        }
        let report = try await CatalogValidator.validate(cases: cases)
        #expect(report.failures.isEmpty, "\(report.summary)")
        #expect(report.checked == CodeCatalog.versions.count)
    }

    @Test func everyVersionStoredInAFirstReleaseStoreFileIsReadAsTheCurrentVersionAndItsRowIsKept() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-upcasting-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("store.sqlite").path
        let fixtures = try Fixture.all()
        try writeFirstReleaseStore(at: path, rows: fixtures)

        // Opening it runs the later migrations; the rows stay as they were written.
        let store = try EventStoreDatabase(path: path)
        let stored = try await store.read { try $0.events(after: 0, limit: 1000) }
        #expect(stored.count == fixtures.count)

        var cases: [JSONValue] = []
        for event in stored {
            let metadata = event.metadata
            let name = "\(metadata.eventType) v\(metadata.schemaVersion)"
            let type = try #require(CodeCatalog.payloadType(metadata.eventType), "\(name) has no payload type")
            let fixture = try #require(fixtures.first { $0.json["eventId"]?.stringValue == metadata.eventId })
            #expect(String(decoding: event.payloadJSON, as: UTF8.self) == String(decoding: try JSONCoding.encoder().encode(fixture.payload), as: UTF8.self),
                    "\(name): the stored row is unchanged")

            // The store's path (what every load and history read does) and a consumer's (an event feed entry or a message).
            let fromStore = try JSONDecoder().decode(JSONValue.self, from: JSONCoding.encoder().encode(try decodeFromStore(event).payload))
            let fromFeed = try consumerRead(type, try EventEnvelope(body: event.envelope(includePosition: true).body))
            #expect(fromStore == fromFeed, "\(name): the store and a consumer upcast it alike")
            let current = fixture.json.setting("schemaVersion", to: .int(type.schemaVersion)).setting("payload", to: fromStore)
            cases.append(.object(["label": .string("\(name) read as v\(type.schemaVersion)"), "message": current]))
        }
        let older = fixtures.filter { fixture in CodeCatalog.payloadType(fixture.eventType).map { fixture.schemaVersion < $0.schemaVersion } ?? false }
        #expect(older.count == CodeCatalog.payloadTypes.reduce(0) { $0 + $1.schemaVersion - 1 }, "one row of every older version")

        let report = try await CatalogValidator.validate(cases: cases)
        #expect(report.failures.isEmpty, "\(report.summary)")
        #expect(report.checked == fixtures.count)

        // A stream loaded through snapshots-or-replay folds its version 1 row like any other.
        let restocked = try await store.read { try $0.load(Product.self, id: "SKU-1") }
        #expect(restocked.state.available == 10 && restocked.state.name == "Widget" && restocked.version == 1)
        let raw = try await store.read { reader in
            try String.fetchOne(reader.db, sql: """
                SELECT schema_version || ' ' || payload FROM events WHERE aggregate_type = 'Product' AND aggregate_id = 'SKU-1'
                """)
        }
        #expect(raw?.hasPrefix("1 {") == true && raw?.contains("reason") == false, "upcasting never rewrites a row: \(raw ?? "none")")
    }

    @Test func aFieldAddedWithoutANewVersionMakesTheCurrentFixtureFailItsSchema() async throws {
        // What a changed payload would write: the current fixture plus a field. The closed schema
        // of its (unchanged) version refuses it, so the scenario test and the fixtures catch it.
        var cases: [JSONValue] = []
        for type in CodeCatalog.payloadTypes {
            let fixture = try Fixture.load(type.eventType, version: type.schemaVersion)
            cases.append(.object([
                "label": .string("\(fixture.name) with a new field"), "expect": .string("invalid"),
                "message": fixture.json.setting("payload", to: fixture.payload.setting("addedField", to: .string("x"))),
            ]))
            if let first = fixture.payload.keys.sorted().first {
                cases.append(.object([
                    "label": .string("\(fixture.name) without \(first)"), "expect": .string("invalid"),
                    "message": fixture.json.setting("payload", to: fixture.payload.removing(first)),
                ]))
            }
        }
        let report = try await CatalogValidator.validate(cases: cases)
        #expect(report.failures.isEmpty, "\(report.summary)")
        #expect(report.checked == cases.count)
    }
}

/// A store file as the first release left it: only the first shared migration, and `rows` in it
/// exactly as their fixtures say (type, version, payload, ids, times).
private func writeFirstReleaseStore(at path: String, rows: [Fixture]) throws {
    let queue = try DatabaseQueue(path: path)
    var migrator = DatabaseMigrator()
    let first = try #require(SharedSchema.migrations.first)
    migrator.registerMigration(first.identifier, migrate: first.migrate)
    try migrator.migrate(queue)
    try queue.write { db in
        #expect(try !db.tableExists("snapshots"), "a first-release file has no snapshots table yet")
        for fixture in rows {
            let metadata = try fixture.storedEvent().metadata
            try db.execute(sql: """
                INSERT INTO events (event_id, aggregate_type, aggregate_id, version, event_type, schema_version,
                                    payload, correlation_id, causation_id, occurred_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    metadata.eventId, metadata.aggregateType, metadata.aggregateId, metadata.aggregateVersion, metadata.eventType,
                    metadata.schemaVersion, String(decoding: try JSONCoding.encoder().encode(fixture.payload), as: UTF8.self),
                    metadata.correlationId, metadata.causationId, fixture.json["occurredAt"]?.stringValue,
                ])
        }
    }
    try queue.close()
}

/// The event decoded by its family, as every load of its aggregate decodes it.
private func decodeFromStore(_ event: StoredEvent) throws -> any EventFamily {
    switch event.metadata.aggregateType {
    case "Order": try event.decode(as: OrderEvent.self)
    case "Payment": try event.decode(as: PaymentEvent.self)
    case "Account": try event.decode(as: AccountEvent.self)
    case "Inventory": try event.decode(as: ReservationEvent.self)
    case "Product": try event.decode(as: ProductEvent.self)
    default: throw FixtureError(description: "no family for \(event.metadata.aggregateType)")
    }
}

/// The payload as a consumer reads a received envelope of it, encoded again.
private func consumerRead(_ type: any EventPayload.Type, _ envelope: EventEnvelope) throws -> JSONValue {
    try read(type, envelope)
}

private func read<Payload: EventPayload>(_ type: Payload.Type, _ envelope: EventEnvelope) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: JSONCoding.encoder().encode(try envelope.payload(as: Payload.self)))
}
