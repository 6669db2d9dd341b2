/// The figures of one phase: latencies of the confirmed sagas, throughput, and CPU per saga.
struct PhaseResult: Sendable {
    let phase: Phase
    let requested: Int
    let placed: Int
    let ended: Int
    let confirmed: Int
    let failedRequests: Int
    /// placed → confirmed of every confirmed saga, in ms, sorted.
    let latencies: [Double]
    /// Orders placed per second, first to last placement.
    let placedPerSecond: Double
    /// Sagas ended per second, first placed to last ended.
    let sagasPerSecond: Double
    let cpu: CPUSpent
    /// The names of `--pids` in their order; "broker" is the broker, the others are services.
    let processNames: [String]
    /// The phase's own parameters (`rate`, `concurrency`), printed after the counts.
    let detail: [(String, String)]

    init(phase: Phase, requested: Int, detail: [(String, String)], outcomes: [OutcomeRecorder.Outcome], failedRequests: Int, cpu: CPUSpent, processNames: [String]) {
        self.phase = phase
        self.requested = requested
        self.detail = detail
        self.failedRequests = failedRequests
        self.cpu = cpu
        self.processNames = processNames
        let ended = outcomes.filter { $0.endedAt != nil }
        placed = outcomes.count
        self.ended = ended.count
        confirmed = ended.filter(\.confirmed).count
        latencies = ended.filter(\.confirmed).compactMap { outcome in
            guard let placed = outcome.placedAt, let ended = outcome.endedAt else { return nil }
            return (ended - placed).milliseconds
        }.sorted()
        let placedTimes = outcomes.compactMap(\.placedAt)
        let first = placedTimes.min(), lastPlaced = placedTimes.max(), lastEnded = ended.compactMap(\.endedAt).max()
        let placing = first.flatMap { f in lastPlaced.map { ($0 - f).milliseconds / 1000 } } ?? 0
        let span = first.flatMap { f in lastEnded.map { ($0 - f).milliseconds / 1000 } } ?? 0
        placedPerSecond = placing > 0 ? Double(placed - 1) / placing : 0
        sagasPerSecond = span > 0 ? Double(self.ended) / span : 0
    }

    var services: [String] { processNames.filter { $0 != "broker" } }

    /// CPU ms per ended saga of one process (or of a sum of them).
    func perSaga(_ ms: Double) -> Double { ended > 0 ? ms / Double(ended) : 0 }
    var servicesPerSaga: Double { perSaga(services.reduce(0) { $0 + (cpu.processes[$1] ?? 0) }) }
    var brokerPerSaga: Double { perSaga(cpu.processes["broker"] ?? 0) }

    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        return latencies[min(latencies.count - 1, max(0, Int((Double(latencies.count) * p).rounded(.up)) - 1))]
    }

    /// One greppable line: `RESULT phase=… key=value …`; times in ms, CPU in ms per ended saga.
    var resultLine: String {
        var fields: [(String, String)] = [
            ("phase", phase.rawValue), ("orders", "\(requested)"), ("placed", "\(placed)"), ("ended", "\(ended)"),
            ("confirmed", "\(confirmed)"), ("failed_requests", "\(failedRequests)"),
        ]
        fields += detail
        fields += [
            ("placed_per_s", f1(placedPerSecond)), ("sagas_per_s", f1(sagasPerSecond)),
            ("p50_ms", f2(percentile(0.5))), ("p90_ms", f2(percentile(0.9))), ("p99_ms", f2(percentile(0.99))),
            ("max_ms", f2(latencies.last ?? 0)),
        ]
        fields += processNames.map { ("cpu_\($0)_ms", f3(perSaga(cpu.processes[$0] ?? 0))) }
        fields += [
            ("cpu_services_ms", f3(servicesPerSaga)), ("cpu_services_broker_ms", f3(servicesPerSaga + brokerPerSaga)),
            ("cpu_client_ms", f3(perSaga(cpu.client))), ("cpu_machine_ms", f3(perSaga(cpu.machine))),
            ("window_s", f1(cpu.window.milliseconds / 1000)),
        ]
        return "RESULT " + fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }
}

func f1(_ value: Double) -> String { value.formatted(decimals: 1) }
func f2(_ value: Double) -> String { value.formatted(decimals: 2) }
func f3(_ value: Double) -> String { value.formatted(decimals: 3) }

extension Double {
    /// Fixed-point text without Foundation's formatters.
    func formatted(decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        let whole = Int(scaled / scale), fraction = Int(scaled) - whole * Int(scale)
        let digits = String(fraction)
        let padded = decimals == 0 ? "" : "." + String(repeating: "0", count: decimals - digits.count) + digits
        return (self < 0 && scaled != 0 ? "-" : "") + "\(whole)" + padded
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
