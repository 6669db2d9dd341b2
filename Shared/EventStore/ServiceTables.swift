import GRDB

/// A row of one of the service's own tables (created by its migrations), written and read in
/// the same transaction as its events: the store's typed access to them, with no SQL outside
/// the store.
public typealias ServiceRecord = Codable & FetchableRecord & PersistableRecord & Sendable

extension StoreTransaction {
    /// Inserts `record`.
    /// - Throws: when a row with the same primary key exists, or a constraint refuses it.
    public func insert<Record: ServiceRecord>(_ record: Record) throws {
        try record.insert(db)
    }

    /// The row of `type` whose primary key is `key`, if any.
    public func find<Record: ServiceRecord>(_ type: Record.Type, key: some DatabaseValueConvertible) throws -> Record? {
        try Record.fetchOne(db, key: key)
    }

    /// The rows `request` selects (e.g. `SagaDeadline.filter(...).order(...).limit(n)`).
    public func fetchAll<Record: ServiceRecord>(_ request: QueryInterfaceRequest<Record>) throws -> [Record] {
        try request.fetchAll(db)
    }

    /// Deletes the row of `type` whose primary key is `key`; nothing when there is none.
    public func delete<Record: ServiceRecord>(_ type: Record.Type, key: some DatabaseValueConvertible) throws {
        _ = try Record.deleteOne(db, key: key)
    }
}

extension StoreReader {
    /// The rows `request` selects, read on a snapshot beside the writes.
    public func fetchAll<Record: ServiceRecord>(_ request: QueryInterfaceRequest<Record>) throws -> [Record] {
        try request.fetchAll(db)
    }
}
