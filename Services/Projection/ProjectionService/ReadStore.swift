import Contracts
import EventStore
import GRDB
import ServiceKit
import Synchronization

/// Somewhere read models are written: the live store, or one being rebuilt.
protocol ProjectionStore: Sendable {
    /// Every source's applied position.
    func positions() async throws -> [ServiceName: Int64]
    /// Applies the segments in one transaction.
    func apply(_ segments: [FeedSegment]) async throws -> [SegmentOutcome]
}

extension AppDatabase: ProjectionStore {
    func positions() async throws -> [ServiceName: Int64] {
        try await read { try SourcePositions.all($0.db) }
    }

    func apply(_ segments: [FeedSegment]) async throws -> [SegmentOutcome] {
        guard !segments.isEmpty else { return [] }
        let handler = ProjectionEventHandler()
        return try await write { transaction in try segments.map { try transaction.apply($0, with: handler) } }
    }
}

/// The read models the service serves and keeps up to date: one SQLite store at a time,
/// which a rebuild replaces whole.
///
/// Reads go to whichever store is current when they start. Writes hold a lock, so a write is
/// never split across stores and a replacement happens between two writes.
final class ReadStore: ProjectionStore {
    private let current: Mutex<AppDatabase>
    private let writeLock = AsyncLock()

    init(_ database: AppDatabase) {
        current = Mutex(database)
    }

    /// The store serving now.
    var database: AppDatabase { current.withLock { $0 } }

    /// Runs `body` on a read-only snapshot of the current store.
    func read<T: Sendable>(_ body: @escaping @Sendable (StoreReader) throws -> T) async throws -> T {
        try await database.read(body)
    }

    func positions() async throws -> [ServiceName: Int64] {
        try await database.positions()
    }

    func apply(_ segments: [FeedSegment]) async throws -> [SegmentOutcome] {
        try await writeLock.withLock { try await database.apply(segments) }
    }

    /// Which of these events are applied already (every applied event is in the timeline).
    func appliedEvents(among eventIds: [String]) async throws -> Set<String> {
        guard !eventIds.isEmpty else { return [] }
        return try await read { reader in
            let marks = eventIds.map { _ in "?" }.joined(separator: ",")
            return Set(try String.fetchAll(reader.db, sql: "SELECT event_id FROM timeline WHERE event_id IN (\(marks))", arguments: StatementArguments(eventIds)))
        }
    }

    /// Replaces the store: `body` runs while no write can start, gets the current store and
    /// returns its replacement, which serves every read and write from then on.
    func replace(_ body: (AppDatabase) async throws -> AppDatabase) async throws {
        try await writeLock.withLock {
            let replacement = try await body(database)
            current.withLock { $0 = replacement }
        }
    }
}
