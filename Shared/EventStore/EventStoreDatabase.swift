import Contracts
import EventSourcing
import Foundation
import GRDB

/// One service's event store in SQLite: WAL mode, migrated on open, durable (`synchronous=FULL`) by default.
///
/// It holds the events, snapshots, the outbox and the inbox, plus whatever tables the service
/// adds through its own migrations.
public struct EventStoreDatabase: ServiceStore {
    /// How hard a commit waits for the disk.
    public typealias Durability = SQLiteStore.Durability

    /// The file; its connection stays inside this module.
    let file: SQLiteStore
    let commits: Wakeup
    let aggregates = AggregateCache()
    /// Whether the store can be written right now (see ``StoreHealth``).
    public var health: StoreHealth { file.health }
    /// When this store snapshots and how it upcasts old events.
    public let settings: EventStoreSettings
    /// The parked messages, the delivery-attempt journal and the store probe, in this file.
    public var deliveryTables: DeliveryTables { DeliveryTables(file: file) }
    public var eventStore: EventStoreDatabase? { self }

    var pool: DatabasePool { file.pool }

    /// Opens (creating if needed) the store at `path` and runs every migration.
    /// - Parameters:
    ///   - path: the SQLite file; its directory is created if missing.
    ///   - durability: how hard a commit waits for the disk.
    ///   - snapshotPolicy: every how many events each kind of snapshottable aggregate is snapshotted.
    ///   - upcasters: what brings old stored events to their current shape on load.
    ///   - migrations: the service's own migrations, run after the shared ones.
    /// - Throws: when the file cannot be opened or a migration fails.
    public init(
        path: String, durability: Durability = .full, snapshotPolicy: SnapshotPolicy = .standard,
        upcasters: Upcasters = .contracts, migrations: [Migration] = []
    ) throws {
        file = try SQLiteStore(
            path: path, durability: durability, migrations: SharedSchema.migrations + migrations + [DeliveryTables.probeMigration]
        )
        commits = Wakeup()
        settings = EventStoreSettings(snapshotPolicy: snapshotPolicy, upcasters: upcasters)
    }

    /// Runs `body` in one write transaction: everything it appends, records and changes commits together or not at all.
    /// - Throws: what `body` throws; ``StoreUnavailableError`` when the disk or the file cannot take
    ///   the write (full, read-only, I/O error), ``StoreBusyError`` when another process held the
    ///   write lock past the busy timeout. Either way nothing was changed.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T {
        // Read in the calling task: GRDB runs `body` on its own queue, where task-locals are unset.
        let traceParent = EventTraceContext.current
        let commits = commits
        let aggregates = aggregates
        let settings = settings
        return try await file.write { db in
            try body(StoreTransaction(db: db, commits: commits, aggregates: aggregates, settings: settings, traceParent: traceParent))
        }
    }

    /// Runs `body` on a read-only snapshot of the store, concurrently with writes.
    /// - Throws: what `body` throws; ``StoreUnavailableError`` when the file cannot be read.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreReader) throws -> T) async throws -> T {
        let settings = settings
        return try await file.read { db in try body(StoreReader(db: db, settings: settings)) }
    }

    /// One small write (a row of `store_probe`), so that a store that became writable again is
    /// noticed without any traffic. Throws like ``write(_:)``.
    public func probe(at now: Date = Date()) async throws {
        try await deliveryTables.probe(at: now)
    }

    /// Closes every connection to the store, once the reads and writes under way are done;
    /// any later read or write throws. For a store that is being retired (its file deleted next).
    public func close() throws {
        try file.close()
    }

    /// Suspends until a transaction that appended events commits, or `timeout` passes.
    public func waitForAppend(timeout: Duration) async {
        await commits.wait(timeout: timeout)
    }
}
