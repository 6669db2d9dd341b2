import Foundation
import GRDB
import Synchronization

/// Whether the store can be written right now.
///
/// Set unavailable by any read or write that fails because of the disk or the file (full,
/// read-only, I/O error, cannot open: SQLite's `SQLITE_FULL`, `SQLITE_READONLY*`,
/// `SQLITE_IOERR*`, `SQLITE_CANTOPEN`), and available again by the next write that commits,
/// whether a request's, a consumer's or the periodic probe's (``EventStoreDatabase/probe(at:)``).
public final class StoreHealth: Sendable {
    private let failure = Mutex<String?>(nil)

    public init() {}

    /// False from a failure of the disk or the file until the next successful write.
    public var isWritable: Bool { failure.withLock { $0 == nil } }

    /// Why the store is unavailable, or nil while it is writable.
    public var lastFailure: String? { failure.withLock { $0 } }

    /// Records a failed access; returns true when `error` is a failure of the disk or the file
    /// (the store is then unavailable), false for anything else (left as it is).
    @discardableResult
    func record(_ error: any Error) -> Bool {
        guard let reason = Self.storeFailureReason(error) else { return false }
        failure.withLock { $0 = reason }
        return true
    }

    /// Records a committed write: the store is writable.
    func recordSuccess() {
        failure.withLock { $0 = nil }
    }

    /// A short reason when `error` says the disk or the file cannot take writes, else nil.
    public static func storeFailureReason(_ error: any Error) -> String? {
        if let error = error as? StoreUnavailableError { return error.reason }
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_FULL: return "the disk is full (\(error.extendedResultCode))"
        case .SQLITE_READONLY: return "the store is read-only (\(error.extendedResultCode))"
        case .SQLITE_IOERR: return "the disk failed (\(error.extendedResultCode))"
        case .SQLITE_CANTOPEN: return "the store file cannot be opened (\(error.extendedResultCode))"
        default: return nil
        }
    }
}

/// The store cannot be written right now (disk full, read-only, I/O error): nothing was
/// changed; try again later. HTTP answers it with 503 `store_unavailable`.
public struct StoreUnavailableError: Error, CustomStringConvertible, Sendable {
    /// What SQLite reported, in words.
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "the store cannot be written: \(reason)" }
}

/// Another writer held the store's write lock for longer than the busy timeout: nothing was
/// changed; try again later. HTTP answers it with 503 `store_busy`.
public struct StoreBusyError: Error, CustomStringConvertible, Sendable {
    public var description: String { "the store is busy with another writer" }
}
