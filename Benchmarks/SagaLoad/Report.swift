/// The figures of one run.
struct Report {
    let options: LoadOptions
    let placedIn: Duration
    let settled: Int
    let outcomes: [OutcomeRecorder.Outcome]

    func print() {
        let confirmed = outcomes.filter { $0.confirmed && $0.settledAt != nil }
        let latencies = confirmed.compactMap { outcome -> Double? in
            guard let placed = outcome.placedAt, let settled = outcome.settledAt else { return nil }
            return (settled - placed).milliseconds
        }.sorted()
        let first = outcomes.compactMap(\.placedAt).min()
        let last = outcomes.compactMap(\.settledAt).max()
        let span = (first.flatMap { start in last.map { $0 - start } } ?? .zero).milliseconds / 1000
        Swift.print("""
            orders placed:      \(outcomes.count) of \(options.orders) in \(format(placedIn.milliseconds / 1000)) s
            sagas ended:        \(settled) (\(confirmed.count) confirmed)
            throughput:         \(format(span > 0 ? Double(settled) / span : 0)) sagas/s (first placed to last ended: \(format(span)) s)
            placed→confirmed:   p50 \(format(percentile(latencies, 0.50))) ms, p90 \(format(percentile(latencies, 0.90))) ms, p99 \(format(percentile(latencies, 0.99))) ms, max \(format(latencies.last ?? 0)) ms
            """)
    }

    private func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    private func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
