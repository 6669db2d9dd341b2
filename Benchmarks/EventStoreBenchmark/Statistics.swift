import Foundation

/// Latencies of one measured run, and what they add up to.
struct Sample {
    var name: String
    /// One latency per operation, in seconds.
    var latencies: [Double]
    /// Wall time of the whole run, in seconds.
    var elapsed: Double
    /// Units of work per operation (events per transaction), for the throughput.
    var unitsPerOperation: Int = 1

    func percentile(_ p: Double) -> Double {
        let sorted = latencies.sorted()
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    var mean: Double { latencies.reduce(0, +) / Double(max(latencies.count, 1)) }
    var operationsPerSecond: Double { Double(latencies.count) / elapsed }
    var unitsPerSecond: Double { operationsPerSecond * Double(unitsPerOperation) }
}

/// Milliseconds with three decimals.
func ms(_ seconds: Double) -> String { String(format: "%.3f", seconds * 1_000) }

/// A whole number with thousands separators.
func count(_ value: Double) -> String {
    let digits = String(Int(value.rounded()))
    var grouped = ""
    for (index, character) in digits.reversed().enumerated() {
        if index > 0, index % 3 == 0 { grouped.append(",") }
        grouped.append(character)
    }
    return String(grouped.reversed())
}

/// Seconds elapsed while `body` runs.
func measure(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    let duration = clock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Prints a Markdown table.
func printTable(_ header: [String], _ rows: [[String]]) {
    print("| " + header.joined(separator: " | ") + " |")
    print("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
    for row in rows { print("| " + row.joined(separator: " | ") + " |") }
    print()
    fflush(nil)
}

/// A fresh temporary directory for the run's store files.
func scratchDirectory(_ name: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventstore-benchmark-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
