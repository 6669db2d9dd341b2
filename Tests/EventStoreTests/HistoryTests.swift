import Contracts
import EventSourcing
import EventStore
import Foundation
import InventoryDomain
import Testing

@Suite struct HistoryTests {
    @Test func loadUpToAVersionIsTheStateAsOfThatVersion() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: .every(10))
            for _ in 0..<35 {
                _ = try await store.execute(Counter.self, id: "c-1", context: { context }) { counter in
                    [.incremented(Incremented(by: counter.value + 1))]
                }
            }
            for version in [1, 9, 10, 11, 20, 27, 35] {
                let (asOf, replayed) = try await store.read {
                    (try $0.load(Counter.self, id: "c-1", upTo: version), try $0.replay(Counter.self, id: "c-1", upTo: version))
                }
                #expect(asOf.version == version)
                #expect(asOf.state == replayed.state)
                #expect(asOf.state.value == (1 << version) - 1)
            }
        }
    }

    @Test func loadUpToAVersionUsesNoSnapshotTakenAfterIt() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, snapshotPolicy: .never)
            try await store.write { try $0.append(Array(repeating: increment, count: 10), to: "Counter", id: "c-1", expectedVersion: 0, context: context) }
            try await store.write { try $0.saveSnapshot(Versioned(state: Counter(value: 1_000), version: 8), id: "c-1") }
            let (atFive, atNine) = try await store.read { (try $0.load(Counter.self, id: "c-1", upTo: 5), try $0.load(Counter.self, id: "c-1", upTo: 9)) }
            #expect(atFive.state.value == 5)
            #expect(atNine.state.value == 1_001)
        }
    }

    @Test func loadUpToAVersionBeyondTheStreamGivesItsCurrentVersion() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { try $0.append([increment, increment], to: "Counter", id: "c-1", expectedVersion: 0, context: context) }
            let (beyond, unknown) = try await store.read { (try $0.load(Counter.self, id: "c-1", upTo: 9), try $0.load(Counter.self, id: "nobody", upTo: 1)) }
            #expect(beyond.version == 2 && beyond.state.value == 2)
            #expect(unknown.version == 0)
        }
    }

    @Test func aCorrectionIsANewEventAndHistoryStillShowsTheLevelsBeforeIt() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            let context = EventContext(correlationId: "SKU-1", causationId: nil)
            _ = try await store.execute(Product.self, id: "SKU-1", context: { context }) { try $0.restock(sku: "SKU-1", quantity: 10, name: nil) }
            _ = try await store.execute(Product.self, id: "SKU-1", context: { context }) { try $0.reserve(orderId: "o-1", quantity: 3) }
            let corrected = try await store.execute(Product.self, id: "SKU-1", context: { context }) {
                try $0.correctStock(counted: 4, reason: "three units broken in the warehouse")
            }
            #expect(corrected.version == 3 && corrected.state.available == 4 && corrected.state.reserved == 3)
            let (before, events) = try await store.read { (try $0.load(Product.self, id: "SKU-1", upTo: 2), try $0.events(of: "Product", id: "SKU-1")) }
            #expect(before.state.available == 7)
            #expect(events.map(\.metadata.eventType) == ["ProductRestocked", "ProductReserved", "ProductStockCorrected"])
            #expect(try events[2].decode(as: ProductEvent.self) == .stockCorrected(ProductStockCorrected(
                sku: "SKU-1", quantity: -3, reason: "three units broken in the warehouse", available: 4, reserved: 3
            )))
            #expect(events[2].metadata.routingKey == "product.stock_corrected")
        }
    }

    @Test func theFeedMissesNothingWhileWritersAppend() async throws {
        try await withTemporaryStore { path in
            let writers = [try EventStoreDatabase(path: path), try EventStoreDatabase(path: path)]
            let reader = try EventStoreDatabase(path: path)
            let total = 200
            try await withThrowingTaskGroup(of: [Int64].self) { group in
                for index in 0..<total {
                    let writer = writers[index % 2]
                    group.addTask {
                        _ = try await writer.execute(Counter.self, id: "c-\(index % 7)", context: { context }, maxAttempts: 1_000) { _ in [increment] }
                        return []
                    }
                }
                group.addTask {
                    var position: Int64 = 0
                    var seen: [Int64] = []
                    while seen.count < total {
                        let page = try await reader.read { [position] in try $0.events(after: position, limit: 13) }
                        seen += page.map(\.position)
                        position = page.last?.position ?? position
                        if page.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
                    }
                    return seen
                }
                var seen: [Int64] = []
                for try await positions in group { seen += positions }
                let stored = try await reader.read { try $0.events(after: 0, limit: 1_000).map(\.position) }
                #expect(seen == stored)
                #expect(seen.count == total)
            }
        }
    }
}
