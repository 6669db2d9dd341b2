import Contracts
import EventSourcing
import EventStore
import Foundation
import GRDB
import InventoryDomain

/// Loading one product of 10,000 events whose rows are spread over the file (interleaved with
/// other products' events), by full replay and from snapshots taken every N events.
enum LoadBenchmark {
    static let hotEvents = 10_000
    static let hot = "SKU-HOT"

    static func run(quick: Bool) async throws {
        let directory = try scratchDirectory("load")
        defer { try? FileManager.default.removeItem(at: directory) }
        var rows: [[String]] = []
        for interval in [10, 100, 1_000] {
            let path = directory.appendingPathComponent("load-\(interval).sqlite").path
            let store = try await build(path: path, interval: interval)
            let iterations = quick ? 50 : 300
            let replay = try await sample(iterations: quick ? 10 : 40) { try $0.replay(Product.self, id: hot) }
            let atSnapshot = try await sample(iterations: iterations) { try $0.load(Product.self, id: hot) }
            let longestTail = try await sample(iterations: iterations) { try $0.load(Product.self, id: hot, upTo: hotEvents - 1) }
            let (full, fromSnapshot) = try await store.read { (try $0.replay(Product.self, id: hot), try $0.load(Product.self, id: hot)) }
            precondition(full.state == fromSnapshot.state && full.version == fromSnapshot.version, "snapshot load differs from replay")
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if interval == 10 {
                // The same rows read without decoding: how much of a replay is SQLite, how much JSON and evolve.
                // Read over the file itself (no event store on top): the rows, none decoded.
                let file = try SQLiteStore(path: path, migrations: [])
                let readRows: @Sendable (Database) throws -> Int = { db in
                    let cursor = try Row.fetchCursor(db, sql: """
                        SELECT version, event_type, schema_version, payload FROM events
                        WHERE aggregate_type = 'Product' AND aggregate_id = ? ORDER BY version
                        """, arguments: [hot])
                    var bytes = 0
                    while let row = try cursor.next() { bytes += (row[3] as String).utf8.count }
                    precondition(bytes > 0)
                    return bytes
                }
                for _ in 0..<3 { _ = try await file.read(readRows) }
                var latencies: [Double] = []
                let elapsed = try await measure {
                    for _ in 0..<(quick ? 10 : 40) { latencies.append(try await measure { _ = try await file.read(readRows) }) }
                }
                let rowsOnly = Sample(name: "load", latencies: latencies, elapsed: elapsed)
                rows.append(["none: the 10,000 rows read, not decoded", "-", ms(rowsOnly.percentile(50)), ms(rowsOnly.percentile(99)), ms(rowsOnly.mean)])
                rows.append(["none (full replay of \(count(Double(hotEvents))))", "-", ms(replay.percentile(50)), ms(replay.percentile(99)), ms(replay.mean)])
            }
            rows.append(["every \(count(Double(interval))), at a snapshot", "0", ms(atSnapshot.percentile(50)), ms(atSnapshot.percentile(99)), ms(atSnapshot.mean)])
            rows.append(["every \(count(Double(interval))), longest tail", "\(interval - 1)", ms(longestTail.percentile(50)), ms(longestTail.percentile(99)), ms(longestTail.mean)])
            FileHandle.standardError.write(Data("interval \(interval): file \(size / 1_048_576) MiB, full replay p50 \(ms(replay.percentile(50))) ms\n".utf8))

            /// Runs `body` on a read snapshot `iterations` times, after a few warm-up runs.
            func sample(iterations: Int, _ body: @escaping @Sendable (StoreReader) throws -> Versioned<Product>) async throws -> Sample {
                for _ in 0..<3 { _ = try await store.read(body) }
                var latencies: [Double] = []
                let elapsed = try await measure {
                    for _ in 0..<iterations { latencies.append(try await measure { _ = try await store.read(body) }) }
                }
                return Sample(name: "load", latencies: latencies, elapsed: elapsed)
            }
        }
        print("### Load a 10,000-event product (its rows one in ten of 100,000)\n")
        printTable(["snapshots", "events replayed after the snapshot", "p50 ms", "p99 ms", "mean ms"], rows)
    }

    /// A store where `SKU-HOT` has 10,000 events, one per transaction, each among 9 events of 900 other
    /// products: 100,000 events in all, the hot product's rows one in ten (as a busy product among many).
    static func build(path: String, interval: Int) async throws -> EventStoreDatabase {
        let store = try EventStoreDatabase(path: path, durability: .normal, snapshotPolicy: .every(interval))
        let context = EventContext(correlationId: "benchmark", causationId: nil)
        var product = Versioned(state: Product.initial, version: 0)
        var others = Array(repeating: 0, count: 900)
        for transaction in 0..<hotEvents {
            let events = transaction == 0
                ? try product.state.restock(sku: hot, quantity: 1_000_000, name: "Hot")
                : transaction % 2 == 1
                    ? try product.state.reserve(orderId: "order-\(transaction)", quantity: 2)
                    : try product.state.release(orderId: "order-\(transaction - 1)", quantity: 1)
            let loaded = product
            let streams = (0..<9).map { (transaction * 9 + $0) % others.count }
            let versions = streams.map { others[$0] }
            try await store.write { write in
                try write.append(events, to: loaded, id: hot, context: context)
                for (stream, version) in zip(streams, versions) {
                    let filler = ProductEvent.reserved(ProductReserved(
                        sku: "SKU-\(stream)", orderId: "order-\(transaction)", quantity: 1, available: 100, reserved: 1
                    ))
                    try write.append([filler], to: "Product", id: "SKU-\(stream)", expectedVersion: version, context: context)
                }
            }
            product = Versioned(state: events.reduce(product.state) { $0.evolve(with: $1) }, version: product.version + events.count)
            for stream in streams { others[stream] += 1 }
        }
        return store
    }
}
