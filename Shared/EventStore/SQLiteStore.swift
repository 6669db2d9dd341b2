import Foundation
import GRDB

/// One SQLite file of a service, opened the way every store here opens it: WAL mode (a pool
/// of readers beside one writer), a 10 s busy timeout, the chosen durability, and the store's
/// migrations run on open. It tracks whether the file can be written (``StoreHealth``) and turns
/// disk and lock failures into ``StoreUnavailableError`` and ``StoreBusyError``.
///
/// It is the building block of a store type (``EventStoreDatabase``, the projection's read
/// store), which keeps it private and offers intention-named methods over its own tables;
/// services call those, never the connection this hands out.
public struct SQLiteStore: Sendable {
    /// How hard a commit waits for the disk.
    public enum Durability: String, Sendable {
        /// Survives power loss: every commit is fsynced (the default).
        case full = "FULL"
        /// Survives a crash of the process, may lose the last commits on power loss; faster.
        case normal = "NORMAL"
    }

    let pool: DatabasePool
    /// Whether the file can be written right now.
    public let health: StoreHealth

    /// Opens (creating if needed) the file at `path` and runs `migrations` in order.
    /// - Parameters:
    ///   - path: the SQLite file; its directory is created if missing.
    ///   - durability: how hard a commit waits for the disk.
    ///   - migrations: every migration of the store type, in order.
    /// - Throws: when the file cannot be opened or a migration fails.
    public init(path: String, durability: Durability = .full, migrations: [Migration]) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.rawValue)")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        health = StoreHealth()
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier, merging: migration.replacing) { db, replaced in
                try migration.migrate(db, replaced)
            }
        }
        try migrator.migrate(pool)
    }

    /// Runs `body` in one write transaction, for the store type that owns this file.
    /// - Throws: what `body` throws; ``StoreUnavailableError`` when the disk or the file cannot take
    ///   the write (full, read-only, I/O error), ``StoreBusyError`` when another process held the
    ///   write lock past the busy timeout. Either way nothing was changed.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            let result = StoreThread.isCurrent ? try writeInPlace(body) : try await pool.write(body)
            health.recordSuccess()
            return result
        } catch {
            throw translated(error)
        }
    }

    /// Runs `body` on a read-only snapshot of the file, concurrently with writes, for the store type that owns it.
    /// - Throws: what `body` throws; ``StoreUnavailableError`` when the file cannot be read.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return StoreThread.isCurrent ? try readInPlace(body) : try await pool.read(body)
        } catch {
            throw translated(error)
        }
    }

    /// On a ``StoreThread``: the write runs on the calling thread, which waits for the writer if busy.
    private func writeInPlace<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.write(body)
    }

    /// On a ``StoreThread``: the read runs on the calling thread.
    private func readInPlace<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// Closes every connection to the file, once the reads and writes under way are done;
    /// any later read or write throws. For a store that is being retired (its file deleted next),
    /// and at the end of a service's shutdown.
    public func close() throws {
        // Readers first: SQLite removes the write-ahead log and its index when the last connection
        // closes only if that one can write (it checkpoints first). GRDB's `close()` closes the
        // writer first, which would leave both files behind, and a file left in WAL mode with them
        // opens even on a read-only filesystem.
        pool.releaseMemory()
        try pool.close()
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
}

/// A named schema change. Never edit one that has shipped: add a new one.
public struct Migration: Sendable {
    public var identifier: String
    /// Earlier migrations this one stands in for: on a file where some of them ran, it runs
    /// once, given those that ran, and they are forgotten (a store that changed its schema history).
    public var replacing: Set<String>
    public var migrate: @Sendable (_ db: Database, _ replaced: Set<String>) throws -> Void

    public init(_ identifier: String, migrate: @escaping @Sendable (Database) throws -> Void) {
        self.identifier = identifier
        replacing = []
        self.migrate = { db, _ in try migrate(db) }
    }

    /// A migration that replaces `replacing`; `migrate` is given those of them the file had run.
    public init(_ identifier: String, replacing: Set<String>, migrate: @escaping @Sendable (_ db: Database, _ replaced: Set<String>) throws -> Void) {
        self.identifier = identifier
        self.replacing = replacing
        self.migrate = migrate
    }
}
