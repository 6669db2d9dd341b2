/// The human-readable summary after every phase: one row per phase, then CPU per saga of each
/// process, then the idle resident memory.
struct SummaryTable {
    let results: [PhaseResult]
    let idleRSS: [(name: String, kib: Int)]

    func render() -> String {
        var lines = ["", "phase        sagas  sagas/s   p50 ms   p90 ms   p99 ms    max ms   CPU ms/saga: services+broker  client  machine"]
        for r in results {
            lines.append(
                pad(r.phase.rawValue, 10) + lpad("\(r.ended)", 7) + lpad(f1(r.sagasPerSecond), 9) + lpad(f2(r.percentile(0.5)), 9)
                    + lpad(f2(r.percentile(0.9)), 9) + lpad(f2(r.percentile(0.99)), 9) + lpad(f2(r.latencies.last ?? 0), 10)
                    + lpad(f3(r.servicesPerSaga + r.brokerPerSaga), 31) + lpad(f3(r.perSaga(r.cpu.client)), 8)
                    + lpad(f3(r.perSaga(r.cpu.machine)), 9))
        }
        if let names = results.first?.processNames, !names.isEmpty {
            lines += ["", "CPU ms per saga  " + names.map { lpad($0, 11) }.joined() + lpad("services", 10) + lpad("client", 8)]
            for r in results {
                lines.append(
                    pad(r.phase.rawValue, 17) + names.map { lpad(f3(r.perSaga(r.cpu.processes[$0] ?? 0)), 11) }.joined()
                        + lpad(f3(r.servicesPerSaga), 10) + lpad(f3(r.perSaga(r.cpu.client)), 8))
            }
        }
        if !idleRSS.isEmpty {
            lines += ["", "idle RSS MiB     " + idleRSS.map { lpad($0.name, 11) }.joined()]
            lines.append(pad("", 17) + idleRSS.map { lpad(f1(Double($0.kib) / 1024), 11) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(1, width - text.count)) }
    private func lpad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(1, width - text.count)) + text }
}
