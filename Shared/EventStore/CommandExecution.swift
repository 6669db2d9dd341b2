import EventSourcing
import Foundation

extension AppDatabase {
    /// Runs a command against one aggregate with optimistic concurrency.
    ///
    /// The aggregate is loaded on a read snapshot (concurrently with other work), `decide` turns
    /// its state into new events, and they are appended only if the stream has not moved since.
    /// When another writer got there first, the command runs again on fresh state, up to `maxAttempts` times.
    /// - Parameter decide: pure; given the current state, the events to append (none is fine).
    /// - Returns: the state after the new events, with its version.
    /// - Throws: whatever `decide` throws; ``EventStoreError/concurrencyConflict(aggregateType:aggregateId:expectedVersion:)`` when every attempt lost its race.
    public func execute<State: Aggregate>(
        _ type: State.Type, id: String, context: @escaping @Sendable () -> EventContext, maxAttempts: Int = 10,
        decide: @escaping @Sendable (State) throws -> [State.Event]
    ) async throws -> Versioned<State> {
        var attempt = 1
        while true {
            let current = try await read { try $0.load(State.self, id: id) }
            let events = try decide(current.state)
            guard !events.isEmpty else { return current }
            do {
                try await write { transaction in
                    try transaction.append(events, to: current, id: id, context: context())
                }
                return Versioned(
                    state: events.reduce(current.state) { $0.evolve(with: $1) },
                    version: current.version + events.count
                )
            } catch EventStoreError.concurrencyConflict where attempt < maxAttempts {
                attempt += 1
            }
        }
    }
}
