import Contracts
import EventStore
import Foundation
import GRDB

/// One SQLite file of projection-service: the read models and each source's applied position
/// (``ReadModelSchema``), and the ``DeliveryTables`` (parked messages, delivery-attempt journal,
/// store probe). The service's own file (`DATABASE_PATH`) also names the active store; a rebuild
/// writes a file of the same schema beside it.
///
/// Writes go through ``ReadModelWriter`` and reads through ``ReadModelReader``: their methods are
/// the only SQL of the read side.
public struct ReadModelDatabase: ServiceStore {
    private let file: SQLiteStore

    public var deliveryTables: DeliveryTables { DeliveryTables(file: file) }
    /// None: the projection stores no events of its own.
    public var eventStore: EventStoreDatabase? { nil }

    /// Opens (creating and migrating if needed) the file at `path`. A file made when the
    /// projection's files were event stores is taken over as it is (``ReadModelSchema``).
    /// - Throws: when the file cannot be opened or migrated.
    public init(path: String, durability: SQLiteStore.Durability = .full) throws {
        file = try SQLiteStore(path: path, durability: durability, migrations: ReadModelSchema.migrations)
    }

    /// Runs `body` in one write transaction.
    /// - Throws: what `body` throws; the store errors of ``SQLiteStore/write(_:)``.
    func write<T: Sendable>(_ body: @escaping @Sendable (ReadModelWriter) throws -> T) async throws -> T {
        try await file.write { db in try body(ReadModelWriter(db)) }
    }

    /// Runs `body` on a read-only snapshot, concurrently with writes.
    func read<T: Sendable>(_ body: @escaping @Sendable (ReadModelReader) throws -> T) async throws -> T {
        try await file.read { db in try body(ReadModelReader(db)) }
    }

    /// Closes the file once the reads and writes under way are done (a store being retired, or
    /// the service stopping).
    public func close() throws {
        try file.close()
    }

    /// The file named in `active_store`; `nil` while the read models live in this file.
    func activeFileName() async throws -> String? {
        try await read { try $0.activeFileName() }
    }

    /// Makes `fileName` the store the read models live in, from the next start on as well.
    func activate(_ fileName: String, rebuildId: String, at now: Date = Date()) async throws {
        try await write { try $0.activate(fileName, rebuildId: rebuildId, at: now) }
    }

    /// Empties the read models and positions of this file (they live in a rebuilt file now).
    func clearReadModels() async throws {
        try await write { try $0.clearReadModels() }
    }
}

extension ReadModelDatabase: ProjectionStore {
    func positions() async throws -> [ServiceName: Int64] {
        try await read { try $0.positions() }
    }

    func apply(_ segments: [FeedSegment]) async throws -> [SegmentOutcome] {
        guard !segments.isEmpty else { return [] }
        let handler = ProjectionEventHandler()
        return try await write { writer in try segments.map { try writer.apply($0, with: handler) } }
    }
}
