import Contracts
import EventSourcing
import Synchronization

/// The latest state of the aggregates this process wrote recently, so that a hot stream (a
/// product reserved by every order) is not folded again from its last snapshot at every command.
///
/// Filled by ``StoreTransaction/append(_:to:id:context:)`` with the state after the appended
/// events, read by ``StoreTransaction/load(_:id:)``. An entry is trusted only when its version is
/// the stream's current version in the transaction that reads it: an entry left by a transaction
/// or savepoint that rolled back is then newer than the stream and is dropped. Appends that do not
/// know the state forget the stream's entry. This holds because a service's process is the only
/// writer of its store.
///
/// Bounded: two generations of at most `capacity` entries each; when the newer one is full it
/// becomes the older one and the oldest generation is dropped, so streams in use stay.
final class AggregateCache: Sendable {
    private struct Key: Hashable {
        let aggregateType: String
        let id: IdentifierKey
    }

    private struct Entry {
        let version: Int
        let state: any Aggregate
    }

    private struct Generations {
        var current: [Key: Entry] = [:]
        var previous: [Key: Entry] = [:]
    }

    private let capacity: Int
    private let generations = Mutex(Generations())

    init(capacity: Int = 4096) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
    }

    /// The remembered state of `id`, if any.
    func state<State: Aggregate>(_ type: State.Type, id: String) -> Versioned<State>? {
        let key = Key(aggregateType: type.aggregateType, id: IdentifierKey(id))
        return generations.withLock { generations in
            let entry: Entry
            if let recent = generations.current[key] {
                entry = recent
            } else if let older = generations.previous.removeValue(forKey: key) {
                entry = older
                Self.insert(older, for: key, into: &generations, capacity: capacity)
            } else {
                return nil
            }
            return (entry.state as? State).map { Versioned(state: $0, version: entry.version) }
        }
    }

    /// Remembers `aggregate` as the state of `id`.
    func remember<State: Aggregate>(_ aggregate: Versioned<State>, id: String) {
        let key = Key(aggregateType: State.aggregateType, id: IdentifierKey(id))
        generations.withLock { generations in
            generations.previous.removeValue(forKey: key)
            Self.insert(Entry(version: aggregate.version, state: aggregate.state), for: key, into: &generations, capacity: capacity)
        }
    }

    /// Forgets the remembered state of the stream `aggregateType`/`id`.
    func forget(aggregateType: String, id: String) {
        let key = Key(aggregateType: aggregateType, id: IdentifierKey(id))
        generations.withLock { generations in
            generations.current.removeValue(forKey: key)
            generations.previous.removeValue(forKey: key)
        }
    }

    private static func insert(_ entry: Entry, for key: Key, into generations: inout Generations, capacity: Int) {
        if generations.current[key] == nil, generations.current.count >= capacity {
            generations.previous = generations.current
            generations.current = [:]
        }
        generations.current[key] = entry
    }
}
