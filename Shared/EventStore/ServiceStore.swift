/// A service's own store, as the delivery machinery and the runtime see it: whatever else it
/// holds, its file has the ``DeliveryTables``.
public protocol ServiceStore: Sendable {
    /// The parked messages, the delivery-attempt journal and the store probe, with the file's health.
    var deliveryTables: DeliveryTables { get }
    /// The event store, for a service that stores and publishes its own events; `nil` for one
    /// that only reads others' (the projection).
    var eventStore: EventStoreDatabase? { get }
    /// Closes every connection to the file once the reads and writes under way are done: SQLite
    /// then checkpoints the write-ahead log and removes it. Any later read or write throws.
    func close() throws
}
