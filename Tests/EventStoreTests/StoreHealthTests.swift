import Contracts
import EventSourcing
@testable import EventStore
import Foundation
import GRDB
import Testing

@Suite struct StoreHealthTests {
    @Test func commandsRacingOnOneAggregateInOneProcessNeverConflictEvenWithoutRetries() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        _ = try await store.execute(Counter.self, id: "c-hot", context: { context }, maxAttempts: 1) { _ in [increment] }
                    }
                }
                try await group.waitForAll()
            }
            let final = try await store.read { try $0.load(Counter.self, id: "c-hot") }
            #expect(final.state.value == 200)
            #expect(final.version == 200)
        }
    }

    @Test func aStoreThatRefusesWritesIsUnavailableUntilAProbeWriteSucceeds() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.probe()
            #expect(store.health.isWritable)

            // SQLite itself refuses every write of the writer connection: SQLITE_READONLY.
            try await store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = ON") }
            await #expect(throws: StoreUnavailableError.self) {
                _ = try await store.execute(Counter.self, id: "c-1", context: { context }) { _ in [increment] }
            }
            #expect(!store.health.isWritable)
            #expect(store.health.lastFailure?.contains("read-only") == true, "\(store.health.lastFailure ?? "-")")
            await #expect(throws: StoreUnavailableError.self) { try await store.probe() }
            #expect(try await store.read { try $0.load(Counter.self, id: "c-1") }.version == 0, "reads go on, nothing was written")

            try await store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = OFF") }
            try await store.probe()
            #expect(store.health.isWritable)
            _ = try await store.execute(Counter.self, id: "c-1", context: { context }) { _ in [increment] }
        }
    }

    @Test func aDomainErrorLeavesTheStoreHealthy() async throws {
        struct Refused: Error {}
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            await #expect(throws: Refused.self) {
                _ = try await store.execute(Counter.self, id: "c-1", context: { context }) { _ -> [CounterEvent] in throw Refused() }
            }
            #expect(store.health.isWritable)
        }
    }
}
