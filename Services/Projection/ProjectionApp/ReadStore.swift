import Contracts
import Delivery
import Synchronization

/// Somewhere read models are written: the live store, or one being rebuilt.
protocol ProjectionStore: Sendable {
    /// Every source's applied position.
    func positions() async throws -> [ServiceName: Int64]
    /// Applies the segments in one transaction.
    func apply(_ segments: [FeedSegment]) async throws -> [SegmentOutcome]
}

/// The read models the service serves and keeps up to date: one SQLite store at a time,
/// which a rebuild replaces whole.
///
/// Reads go to whichever store is current when they start. Writes hold a lock, so a write is
/// never split across stores and a replacement happens between two writes. A replaced store
/// is handed back once the reads that started on it are done, to be closed.
final class ReadStore: ProjectionStore {
    private let current: Mutex<ServedStore>
    private let writeLock = AsyncLock()

    init(_ database: ReadModelDatabase) {
        current = Mutex(ServedStore(database))
    }

    /// Runs `body` on a read-only snapshot of the current store.
    func read<T: Sendable>(_ body: @escaping @Sendable (ReadModelReader) throws -> T) async throws -> T {
        let served = current.withLock { served in
            served.beginRead()
            return served
        }
        defer { served.endRead() }
        return try await served.database.read(body)
    }

    func positions() async throws -> [ServiceName: Int64] {
        try await read { try $0.positions() }
    }

    func apply(_ segments: [FeedSegment]) async throws -> [SegmentOutcome] {
        try await writeLock.withLock {
            let served = current.withLock { $0 }
            return try await served.database.apply(segments)
        }
    }

    /// The source of each of these events that is applied already (every applied event is in the timeline), by id bytes.
    func appliedEvents(among eventIds: [String]) async throws -> [IdentifierKey: ServiceName] {
        guard !eventIds.isEmpty else { return [:] }
        let unique = Set(eventIds.map { IdentifierKey($0) }).map(\.id)
        return try await read { try $0.appliedSources(of: unique) }
    }

    /// Replaces the store: `body` runs while no write can start, gets the current store and
    /// returns its replacement, which serves every read and write from then on.
    /// - Returns: the replaced store, to wait on until no read runs on it any more.
    func replace(_ body: (ReadModelDatabase) async throws -> ReadModelDatabase) async throws -> ServedStore {
        try await writeLock.withLock {
            let replaced = current.withLock { $0 }
            let replacement = ServedStore(try await body(replaced.database))
            current.withLock { $0 = replacement }
            return replaced
        }
    }
}

/// One store as ``ReadStore`` serves it: it counts the reads under way, so that a replaced
/// store is closed only once they are done.
final class ServedStore: Sendable {
    private struct Reads {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    let database: ReadModelDatabase
    private let reads = Mutex(Reads())

    init(_ database: ReadModelDatabase) {
        self.database = database
    }

    func beginRead() {
        reads.withLock { $0.running += 1 }
    }

    func endRead() {
        let waiting = reads.withLock { reads -> [CheckedContinuation<Void, Never>] in
            reads.running -= 1
            guard reads.running == 0 else { return [] }
            defer { reads.waiting = [] }
            return reads.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns once no read runs on the store (new ones no longer start once it is replaced).
    func idle() async {
        await withCheckedContinuation { continuation in
            let idle = reads.withLock { reads in
                if reads.running == 0 { return true }
                reads.waiting.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
