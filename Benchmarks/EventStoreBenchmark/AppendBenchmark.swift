import Contracts
import EventSourcing
import EventStore
import Foundation
import InventoryDomain

/// Appending events with their outbox rows: one transaction after another, or from concurrent writers.
enum AppendBenchmark {
    static let streams = 100

    static func run(quick: Bool) async throws {
        let directory = try scratchDirectory("append")
        defer { try? FileManager.default.removeItem(at: directory) }
        var rows: [[String]] = []
        for durability in [EventStoreDatabase.Durability.full, .normal] {
            for (batch, transactions, writers) in [(1, quick ? 2_000 : 10_000, 1), (1, quick ? 2_000 : 10_000, 8), (10, quick ? 500 : 2_000, 1), (100, quick ? 100 : 300, 1)] {
                let sample = try await appendRun(
                    durability: durability, batch: batch, transactions: transactions, writers: writers,
                    path: directory.appendingPathComponent("append-\(durability.rawValue)-\(batch)-\(writers).sqlite").path
                )
                rows.append([
                    durability.rawValue, "\(batch)", "\(writers)", count(Double(transactions)),
                    ms(sample.percentile(50)), ms(sample.percentile(99)), ms(sample.percentile(100)),
                    count(sample.operationsPerSecond), count(sample.unitsPerSecond),
                ])
            }
        }
        print("### Append (events + outbox rows, one write transaction each)\n")
        printTable(["synchronous", "events/tx", "writers", "transactions", "p50 ms", "p99 ms", "max ms", "tx/s", "events/s"], rows)
    }

    /// `transactions` write transactions of `batch` events each, spread over ``streams`` products,
    /// from `writers` concurrent tasks; the latency is that of each `write` call.
    static func appendRun(
        durability: EventStoreDatabase.Durability, batch: Int, transactions: Int, writers: Int, path: String
    ) async throws -> Sample {
        let store = try EventStoreDatabase(path: path, durability: durability)
        let context = EventContext(correlationId: "benchmark", causationId: nil)
        let event = ProductEvent.reserved(ProductReserved(sku: "SKU", orderId: "order-0001", quantity: 1, available: 999, reserved: 1))
        let events = Array(repeating: event, count: batch)
        // Each writer owns its streams, so versions are known and no append conflicts.
        func writeAll(writer: Int, count: Int, versions: inout [Int]) async throws -> [Double] {
            var latencies: [Double] = []
            latencies.reserveCapacity(count)
            for index in 0..<count {
                let stream = (index % (streams / writers)) * writers + writer
                let expected = versions[stream]
                latencies.append(try await measure {
                    _ = try await store.write { try $0.append(events, to: "Product", id: "SKU-\(stream)", expectedVersion: expected, context: context) }
                })
                versions[stream] += batch
            }
            return latencies
        }
        var warmupVersions = Array(repeating: 0, count: streams)
        _ = try await writeAll(writer: 0, count: 200, versions: &warmupVersions)
        let perWriter = transactions / writers
        var latencies: [Double] = []
        let elapsed = try await measure {
            latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                for writer in 0..<writers {
                    let start = warmupVersions
                    group.addTask {
                        var versions = start
                        return try await writeAll(writer: writer, count: perWriter, versions: &versions)
                    }
                }
                var all: [Double] = []
                for try await part in group { all += part }
                return all
            }
        }
        return Sample(name: "append", latencies: latencies, elapsed: elapsed, unitsPerOperation: batch)
    }
}
