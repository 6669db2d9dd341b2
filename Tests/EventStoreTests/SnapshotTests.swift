import Contracts
import EventSourcing
@testable import EventStore
import Foundation
import GRDB
import InventoryDomain
import OrderDomain
import PaymentDomain
import Testing

/// Restocks a product, then reserves and releases units one command at a time: `commands` events in all.
private func exerciseProduct(_ store: EventStoreDatabase, sku: String, commands: Int) async throws {
    let context = EventContext(correlationId: sku, causationId: nil)
    _ = try await store.execute(Product.self, id: sku, context: { context }) { try $0.restock(sku: sku, quantity: 1_000, name: "Widget") }
    for index in 1..<commands {
        _ = try await store.execute(Product.self, id: sku, context: { context }) { product in
            index % 3 == 0
                ? try product.release(orderId: "o-\(index)", quantity: 1)
                : try product.reserve(orderId: "o-\(index)", quantity: 2)
        }
    }
}

@Suite struct SnapshotTests {
    @Test func anAppendThatReachesTheIntervalTakesASnapshotInItsTransaction() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: .every(10))
            try await exerciseProduct(store, sku: "SKU-1", commands: 25)
            let versions = try await store.read { try snapshotVersions($0.db, aggregateType: "Product", id: "SKU-1") }
            #expect(versions == [10, 20])
            let snapshot = try #require(try await store.read { try $0.latestSnapshot(of: Product.self, id: "SKU-1") })
            let replayed = try await store.read { try $0.replay(Product.self, id: "SKU-1", upTo: 20) }
            #expect(snapshot.version == 20)
            #expect(snapshot.state == replayed.state)
        }
    }

    @Test func aBatchThatCrossesTheIntervalIsSnapshottedAfterItsLastEvent() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: .every(10))
            let eight = Array(repeating: increment, count: 8)
            try await store.write { try $0.append(eight, to: Versioned(state: Counter.initial, version: 0), id: "c-1", context: context) }
            let atEight = try await store.read { try $0.load(Counter.self, id: "c-1") }
            try await store.write { try $0.append(Array(repeating: increment, count: 5), to: atEight, id: "c-1", context: context) }
            let versions = try await store.read { try snapshotVersions($0.db, aggregateType: "Counter", id: "c-1") }
            #expect(versions == [13])
            #expect(try await store.read { try $0.latestSnapshot(of: Counter.self, id: "c-1") }?.state.value == 13)
        }
    }

    @Test func aStreamChangedAfterItsSnapshotLoadsAsAFullReplay() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: .every(10))
            try await exerciseProduct(store, sku: "SKU-1", commands: 17)
            let (loaded, replayed, snapshot) = try await store.read { reader in
                (try reader.load(Product.self, id: "SKU-1"), try reader.replay(Product.self, id: "SKU-1"),
                 try reader.latestSnapshot(of: Product.self, id: "SKU-1"))
            }
            #expect(snapshot?.version == 10)
            #expect(loaded.version == 17)
            #expect(loaded.state == replayed.state)
            #expect(loaded.version == replayed.version)
        }
    }

    @Test func loadingStartsFromTheSnapshotAndReplaysOnlyTheTail() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: .never)
            let seven = Array(repeating: increment, count: 7)
            try await store.write { try $0.append(seven, to: "Counter", id: "c-1", expectedVersion: 0, context: context) }
            // A snapshot that disagrees with the events shows which one the load used.
            try await store.write { try $0.saveSnapshot(Versioned(state: Counter(value: 1_000), version: 5), id: "c-1") }
            let (loaded, replayed) = try await store.read { (try $0.load(Counter.self, id: "c-1"), try $0.replay(Counter.self, id: "c-1")) }
            #expect(loaded.state.value == 1_002)
            #expect(loaded.version == 7)
            #expect(replayed.state.value == 7)
        }
    }

    @Test func aSnapshotOfAStaleSchemaVersionIsIgnored() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: .every(10))
            try await exerciseProduct(store, sku: "SKU-1", commands: 25)
            // A later snapshot in another shape: its fields mean something else, so it must not be read.
            try await store.write { transaction in
                try transaction.db.execute(sql: """
                    INSERT INTO snapshots (aggregate_type, aggregate_id, version, schema_version, state, taken_at)
                    VALUES ('Product', 'SKU-1', 24, ?, ?, '2026-01-01T00:00:00.000Z')
                    """, arguments: [
                        Product.snapshotSchemaVersion + 1,
                        #"{"available":999999,"exists":true,"name":"Stale","reserved":0,"sku":"SKU-1"}"#,
                    ])
            }
            let (loaded, replayed, snapshot) = try await store.read { reader in
                (try reader.load(Product.self, id: "SKU-1"), try reader.replay(Product.self, id: "SKU-1"),
                 try reader.latestSnapshot(of: Product.self, id: "SKU-1"))
            }
            #expect(snapshot?.version == 20)
            #expect(loaded.state == replayed.state)
            #expect(loaded.state.name == "Widget")
        }
    }

    @Test func aSnapshotThatNoLongerDecodesIsIgnored() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: .never)
            let four = Array(repeating: increment, count: 4)
            try await store.write { try $0.append(four, to: "Counter", id: "c-1", expectedVersion: 0, context: context) }
            try await store.write { transaction in
                try transaction.db.execute(sql: """
                    INSERT INTO snapshots (aggregate_type, aggregate_id, version, schema_version, state, taken_at)
                    VALUES ('Counter', 'c-1', 3, 1, '{"count":"three"}', '2026-01-01T00:00:00.000Z')
                    """)
            }
            let loaded = try await store.read { try $0.load(Counter.self, id: "c-1") }
            #expect(loaded.state.value == 4)
            #expect(loaded.version == 4)
        }
    }

    @Test func thePolicyIsSetPerAggregateType() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: SnapshotPolicy(every: 5, intervals: ["Counter": 0]))
            try await exerciseProduct(store, sku: "SKU-1", commands: 11)
            for _ in 0..<11 {
                _ = try await store.execute(Counter.self, id: "c-1", context: { context }) { _ in [increment] }
            }
            let (products, counters) = try await store.read { reader in
                (try snapshotVersions(reader.db, aggregateType: "Product", id: "SKU-1"),
                 try snapshotVersions(reader.db, aggregateType: "Counter", id: "c-1"))
            }
            #expect(products == [5, 10])
            #expect(counters.isEmpty)
        }
    }

    @Test func anAppendThatRollsBackLeavesNoSnapshot() async throws {
        struct Failure: Error {}
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: .every(2))
            await #expect(throws: Failure.self) {
                try await store.write { transaction in
                    try transaction.append([increment, increment], to: Versioned(state: Counter.initial, version: 0), id: "c-1", context: context)
                    throw Failure()
                }
            }
            #expect(try await store.read { try snapshotVersions($0.db, aggregateType: "Counter", id: "c-1") }.isEmpty)
        }
    }

    @Test func theServicesAggregatesLoadFromSnapshotsAsTheyReplay() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: .every(1))
            let context = EventContext(correlationId: "o-1", causationId: nil)
            _ = try await store.execute(Account.self, id: "c-1", context: { context }) { try $0.deposit(customerId: "c-1", amount: 5_000) }
            _ = try await store.execute(Account.self, id: "c-1", context: { context }) { try $0.debit(orderId: "o-1", amount: 1_250) }
            _ = try await store.execute(Account.self, id: "c-1", context: { context }) { try $0.credit(orderId: "o-1", amount: 1_250) }
            let placed = try Order.initial.place(
                PlaceOrder(orderId: "o-1", customerId: "c-1", currency: "USD", items: [OrderItem(sku: "SKU-1", quantity: 2, unitPrice: 625)]),
                now: Date()
            )
            try await store.write { try $0.append(placed, to: Versioned(state: Order.initial, version: 0), id: "o-1", context: context) }
            _ = try await store.execute(Order.self, id: "o-1", context: { context }) { try $0.cancel(reason: .customerRequest, now: Date()) }
            try await exerciseProduct(store, sku: "SKU-1", commands: 4)

            let snapshots = try await store.read { reader in
                [try reader.latestSnapshot(of: Account.self, id: "c-1")?.version,
                 try reader.latestSnapshot(of: Order.self, id: "o-1")?.version,
                 try reader.latestSnapshot(of: Product.self, id: "SKU-1")?.version]
            }
            #expect(snapshots == [3, 2, 4])
            let accounts = try await store.read { [try $0.load(Account.self, id: "c-1").state, try $0.replay(Account.self, id: "c-1").state] }
            let orders = try await store.read { [try $0.load(Order.self, id: "o-1").state, try $0.replay(Order.self, id: "o-1").state] }
            let products = try await store.read { [try $0.load(Product.self, id: "SKU-1").state, try $0.replay(Product.self, id: "SKU-1").state] }
            #expect(accounts[0] == accounts[1])
            #expect(orders[0] == orders[1] && orders[0].status == .cancelled)
            #expect(products[0] == products[1])
        }
    }
}
