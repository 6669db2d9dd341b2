import Contracts
@testable import EventStore
import Foundation
import GRDB
@testable import ProjectionApp
import Testing

/// The projection's files: a new one has the read store's schema and nothing of an event store;
/// one made when the projection's files were event stores opens with what it held.
@Suite struct ReadStoreSchemaTests {
    @Test func aNewReadStoreHasItsTablesAndNoEventStoreTables() async throws {
        try await withFile { path in
            _ = try ReadModelDatabase(path: path)
            let tables = try await tableNames(path)
            #expect(tables.isSuperset(of: [
                "order_views", "account_views", "product_views", "timeline", "source_progress", "source_positions",
                "active_store", "parked_messages", "parked_message_counts", "delivery_attempts", "store_probe",
            ]))
            #expect(tables.isDisjoint(with: ["events", "outbox", "inbox", "snapshots"]))
        }
    }

    @Test func aFileOfTheEventStoreSchemaOpensWithItsReadModelsPositionsAndParkedMessages() async throws {
        try await withFile { path in
            let old = try SQLiteStore(path: path, migrations: SharedSchema.migrations + Self.shippedProjectionMigrations + [DeliveryTables.probeMigration])
            try await old.write { db in
                try db.execute(sql: """
                    INSERT INTO order_views (order_id, customer_id, status, items, total, currency, version, created_at, updated_at)
                    VALUES ('o-1', 'c-1', 'CONFIRMED', '[]', 2500, 'USD', 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z');
                    INSERT INTO source_positions (source, position) VALUES ('order-service', 7);
                    INSERT INTO active_store (singleton, file_name, rebuild_id, switched_at) VALUES (1, 'x.rebuild-r.sqlite', 'r', '2026-01-01T00:00:00.000Z');
                    """)
            }
            try await old.write { db in _ = try DeliveryTables.journalAttempt(messageId: "m-1", at: Date(), db) }
            try await ParkedMessageStore(DeliveryTables(file: old)).park([Self.parked("m-2")])
            try old.close()

            let store = try ReadModelDatabase(path: path)
            #expect(try await store.positions()[.order] == 7)
            #expect(try await store.read { try $0.order("o-1") }?.status == "CONFIRMED")
            #expect(try await store.activeFileName() == "x.rebuild-r.sqlite")
            #expect(try await ParkedMessageStore(store.deliveryTables).count() == 1)
            #expect(try await store.deliveryTables.journalAttempt(messageId: "m-1") == 2)
            try await store.deliveryTables.probe()
            #expect(try await tableNames(path).isDisjoint(with: ["events", "outbox", "inbox", "snapshots"]))
            try store.close()
            // And again: the adoption ran once.
            #expect(try await ReadModelDatabase(path: path).positions()[.order] == 7)
        }
    }

    /// The projection's migrations as they shipped while its files were event stores.
    static let shippedProjectionMigrations = [
        Migration("projection v1: orders, accounts, products, timeline") { db in
            try db.execute(sql: """
                CREATE TABLE order_views (order_id TEXT PRIMARY KEY, customer_id TEXT, status TEXT, items TEXT, total INTEGER,
                    currency TEXT, cancellation_reason TEXT, version INTEGER NOT NULL DEFAULT 0, created_at TEXT, updated_at TEXT,
                    payment_status TEXT, payment_amount INTEGER, payment_version INTEGER NOT NULL DEFAULT 0, inventory_status TEXT,
                    inventory_version INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE account_views (customer_id TEXT PRIMARY KEY, balance INTEGER NOT NULL, version INTEGER NOT NULL);
                CREATE TABLE product_views (sku TEXT PRIMARY KEY, name TEXT NOT NULL, available INTEGER NOT NULL, reserved INTEGER NOT NULL,
                    version INTEGER NOT NULL);
                CREATE TABLE timeline (sequence INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL,
                    service TEXT NOT NULL, event_type TEXT NOT NULL, aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL,
                    aggregate_version INTEGER NOT NULL, causation_id TEXT, occurred_at TEXT NOT NULL);
                CREATE TABLE source_progress (service TEXT PRIMARY KEY, last_event_at TEXT NOT NULL, applied INTEGER NOT NULL);
                """)
        },
        Migration("projection v2: source positions, active store") { db in
            try db.execute(sql: """
                CREATE TABLE source_positions (source TEXT PRIMARY KEY, position INTEGER NOT NULL CHECK (position >= 0));
                CREATE TABLE active_store (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), file_name TEXT NOT NULL,
                    rebuild_id TEXT NOT NULL, switched_at TEXT NOT NULL);
                """)
        },
    ]

    static func parked(_ id: String) -> ParkedMessageRecord {
        ParkedMessageRecord(
            messageId: id, eventType: "OrderPlaced", reason: "malformed", source: "order-service", parkedAt: Date(), correlationId: nil,
            originalExchange: "orders", originalRoutingKey: "order.placed", error: "test", attempts: 1,
            deliveryExchange: "", deliveryRoutingKey: "projection-service.dead-letters", properties: "{}", body: Data("{}".utf8)
        )
    }

    private func tableNames(_ path: String) async throws -> Set<String> {
        let file = try SQLiteStore(path: path, migrations: [])
        defer { try? file.close() }
        return try await file.read { db in Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")) }
    }

    private func withFile(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("read-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("projection.sqlite").path)
    }
}
