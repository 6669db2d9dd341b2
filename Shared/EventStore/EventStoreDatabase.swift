import Contracts
import EventSourcing
import Foundation
import GRDB

/// One service's event store in SQLite: WAL mode, migrated on open, durable (`synchronous=FULL`) by default.
///
/// It holds the events, snapshots, the outbox and the inbox, plus whatever tables the service
/// adds through its own migrations.
public struct EventStoreDatabase: Sendable {
    /// How hard a commit waits for the disk.
    public enum Durability: String, Sendable {
        /// Survives power loss: every commit is fsynced (the default).
        case full = "FULL"
        /// Survives a crash of the process, may lose the last commits on power loss; faster.
        case normal = "NORMAL"
    }

    let pool: DatabasePool
    let commits: Wakeup
    let aggregates = AggregateCache()
    /// Whether the store can be written right now (see ``StoreHealth``).
    public let health: StoreHealth
    /// When this store snapshots and how it upcasts old events.
    public let settings: EventStoreSettings

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
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.rawValue)")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        commits = Wakeup()
        health = StoreHealth()
        settings = EventStoreSettings(snapshotPolicy: snapshotPolicy, upcasters: upcasters)
        var migrator = DatabaseMigrator()
        for migration in SharedSchema.migrations + migrations + [Self.probeMigration] {
            migrator.registerMigration(migration.identifier, migrate: migration.migrate)
        }
        try migrator.migrate(pool)
    }

    /// Runs `body` in one write transaction: everything it appends, records and changes commits together or not at all.
    /// - Throws: what `body` throws; ``StoreUnavailableError`` when the disk or the file cannot take
    ///   the write (full, read-only, I/O error), ``StoreBusyError`` when another process held the
    ///   write lock past the busy timeout. Either way nothing was changed.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (StoreTransaction) throws -> T) async throws -> T {
        // Read in the calling task: GRDB runs `body` on its own queue, where task-locals are unset.
        let traceParent = EventTraceContext.current
        do {
            let result = try await pool.write { db in
                try body(StoreTransaction(db: db, commits: commits, aggregates: aggregates, settings: settings, traceParent: traceParent))
            }
            health.recordSuccess()
            return result
        } catch {
            throw translated(error)
        }
    }

    /// Runs `body` on a read-only snapshot of the store, concurrently with writes.
    /// - Throws: what `body` throws; ``StoreUnavailableError`` when the file cannot be read.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreReader) throws -> T) async throws -> T {
        do {
            return try await pool.read { db in try body(StoreReader(db: db, settings: settings)) }
        } catch {
            throw translated(error)
        }
    }

    /// One small write (a row of `store_probe`), so that a store that became writable again is
    /// noticed without any traffic. Throws like ``write(_:)``.
    public func probe(at now: Date = Date()) async throws {
        try await write { transaction in
            try transaction.db.execute(
                sql: "INSERT INTO store_probe (id, probed_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at",
                arguments: [Timestamp.format(now)])
        }
    }

    /// A failure of the disk or the file marks the store unavailable and becomes ``StoreUnavailableError``;
    /// a busy timeout becomes ``StoreBusyError``; anything else is left as it is.
    private func translated(_ error: any Error) -> any Error {
        if error is StoreUnavailableError { return error }
        if health.record(error), let reason = health.lastFailure { return StoreUnavailableError(reason: reason) }
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return StoreBusyError()
        }
        return error
    }

    /// The table the probe writes to: one row, overwritten.
    static let probeMigration = Migration("storeProbe") { db in
        try db.execute(sql: "CREATE TABLE store_probe (id INTEGER PRIMARY KEY, probed_at TEXT NOT NULL)")
    }

    /// Closes every connection to the store, once the reads and writes under way are done;
    /// any later read or write throws. For a store that is being retired (its file deleted next).
    public func close() throws {
        try pool.close()
    }

    /// Suspends until a transaction that appended events commits, or `timeout` passes.
    public func waitForAppend(timeout: Duration) async {
        await commits.wait(timeout: timeout)
    }
}

/// A named schema change. Never edit one that has shipped: add a new one.
public struct Migration: Sendable {
    public var identifier: String
    public var migrate: @Sendable (Database) throws -> Void

    public init(_ identifier: String, migrate: @escaping @Sendable (Database) throws -> Void) {
        self.identifier = identifier
        self.migrate = migrate
    }
}

/// The former name of ``EventStoreDatabase``.
@available(*, deprecated, renamed: "EventStoreDatabase")
public typealias AppDatabase = EventStoreDatabase
