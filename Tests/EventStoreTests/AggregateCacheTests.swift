import EventSourcing
@testable import EventStore
import Foundation
import Testing

private struct Refused: Error {}

private func by(_ amount: Int) -> CounterEvent { .incremented(Incremented(by: amount)) }

/// A write transaction's `load` starts from the state this process last appended, and never from
/// one that a rollback undid or that another append made stale.
@Suite struct AggregateCacheTests {
    @Test func aStateLeftByARolledBackSavepointIsNotLoaded() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { try $0.append([by(1)], to: Versioned(state: Counter.initial, version: 0), id: "c-1", context: context) }
            let inTransaction = try await store.write { transaction -> Versioned<Counter> in
                _ = try? transaction.savepoint {
                    let loaded = try transaction.load(Counter.self, id: "c-1")
                    try transaction.append([by(5)], to: loaded, id: "c-1", context: context)
                    throw Refused()
                }
                return try transaction.load(Counter.self, id: "c-1")
            }
            #expect(inTransaction.version == 1)
            #expect(inTransaction.state.value == 1)
        }
    }

    @Test func aStateLeftByARolledBackTransactionIsNotLoaded() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { try $0.append([by(1)], to: Versioned(state: Counter.initial, version: 0), id: "c-1", context: context) }
            await #expect(throws: Refused.self) {
                try await store.write { transaction in
                    try transaction.append([by(5)], to: try transaction.load(Counter.self, id: "c-1"), id: "c-1", context: context)
                    throw Refused()
                }
            }
            // Rolled back, then a different event at the same version: the second one counts.
            try await store.write { transaction in
                try transaction.append([by(2)], to: try transaction.load(Counter.self, id: "c-1"), id: "c-1", context: context)
            }
            let loaded = try await store.write { try $0.load(Counter.self, id: "c-1") }
            #expect(loaded.version == 2)
            #expect(loaded.state.value == 3)
            #expect(loaded.state == (try await store.read { try $0.replay(Counter.self, id: "c-1") }).state)
        }
    }

    @Test func anAppendThatDoesNotKnowTheStateIsFoldedIn() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { try $0.append([by(1)], to: Versioned(state: Counter.initial, version: 0), id: "c-1", context: context) }
            try await store.write { try $0.append([by(10)], to: Counter.aggregateType, id: "c-1", expectedVersion: 1, context: context) }
            let loaded = try await store.write { try $0.load(Counter.self, id: "c-1") }
            #expect(loaded.version == 2)
            #expect(loaded.state.value == 11)
        }
    }

    @Test func idsThatSwiftCallsEqualAreTwoStreams() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
            try await store.write { transaction in
                try transaction.append([by(1)], to: Versioned(state: Counter.initial, version: 0), id: composed, context: context)
                try transaction.append([by(7)], to: Versioned(state: Counter.initial, version: 0), id: decomposed, context: context)
            }
            let (first, second) = try await store.write { transaction in
                (try transaction.load(Counter.self, id: composed), try transaction.load(Counter.self, id: decomposed))
            }
            #expect(first.state.value == 1)
            #expect(second.state.value == 7)
        }
    }

    @Test func theCacheKeepsTwoGenerationsOfItsCapacity() {
        let cache = AggregateCache(capacity: 2)
        for (index, id) in ["a", "b", "c"].enumerated() {
            cache.remember(Versioned(state: Counter(value: index), version: 1), id: id)
        }
        // "a" and "b" filled the first generation; "c" started the second: all three are there.
        #expect(cache.state(Counter.self, id: "a")?.state.value == 0)
        for (index, id) in ["d", "e", "f"].enumerated() {
            cache.remember(Versioned(state: Counter(value: index), version: 1), id: id)
        }
        #expect(cache.state(Counter.self, id: "b") == nil)
        #expect(cache.state(Counter.self, id: "f")?.state.value == 2)
        cache.forget(aggregateType: Counter.aggregateType, id: "f")
        #expect(cache.state(Counter.self, id: "f") == nil)
    }
}
