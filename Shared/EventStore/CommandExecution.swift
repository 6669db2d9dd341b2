import EventSourcing
import Foundation

extension EventStoreDatabase {
    /// Runs a command against one aggregate: load, decide and append in ONE write transaction.
    ///
    /// A store has one writer at a time (SQLite's write lock, taken when the transaction begins),
    /// so nothing can append to the stream between the load and the append: within this process a
    /// concurrency conflict cannot happen, however many requests race for the same aggregate.
    /// A conflict can only come from another writer of the same file that decided on a state it
    /// read outside its write transaction (another process, a tool); it is retried on fresh
    /// state, up to `maxAttempts` times.
    /// - Parameter decide: pure and quick (it runs while the write lock is held); given the
    ///   current state, the events to append (none is fine).
    /// - Returns: the state after the new events, with its version.
    /// - Throws: whatever `decide` throws; ``EventStoreError/concurrencyConflict(aggregateType:aggregateId:expectedVersion:)``
    ///   when every attempt lost its race; the store errors of ``write(_:)``.
    public func execute<State: Aggregate>(
        _ type: State.Type, id: String, context: @escaping @Sendable () -> EventContext, maxAttempts: Int = 3,
        decide: @escaping @Sendable (State) throws -> [State.Event]
    ) async throws -> Versioned<State> {
        var attempt = 1
        while true {
            do {
                return try await write { transaction in
                    let current = try transaction.load(State.self, id: id)
                    let events = try decide(current.state)
                    guard !events.isEmpty else { return current }
                    try transaction.append(events, to: current, id: id, context: context())
                    return Versioned(
                        state: events.reduce(current.state) { $0.evolve(with: $1) },
                        version: current.version + events.count
                    )
                }
            } catch EventStoreError.concurrencyConflict where attempt < maxAttempts {
                attempt += 1
            }
        }
    }
}
