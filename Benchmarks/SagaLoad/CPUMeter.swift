import Foundation

/// CPU time of the watched processes (the services and the broker, named by `--pids`), of the
/// load generator itself and of the whole machine, sampled at the edges of a phase.
struct CPUMeter: Sendable {
    struct Sample: Sendable {
        var processes: [String: Int]
        var client: Int
        var machine: Int
        var at: ContinuousClock.Instant
    }

    let processes: [(name: String, pid: Int32)]

    func sample() -> Sample {
        var ticks: [String: Int] = [:]
        for process in processes { ticks[process.name] = ProcFS.cpuTicks(of: process.pid) ?? 0 }
        return Sample(
            processes: ticks, client: ProcFS.cpuTicks(of: getpid()) ?? 0, machine: ProcFS.machineBusyTicks(), at: .now)
    }

    /// Waits until the watched processes are quiet (under 10% of one core over 300 ms, so that the
    /// work a phase left behind, such as the projection catching up, is counted in it), at most
    /// `limit`; returns the sample taken then.
    func settle(limit: Duration = .seconds(10)) async -> Sample {
        let deadline = ContinuousClock.now + limit
        var last = sample()
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(300))
            let next = sample()
            let busy = processes.reduce(0) { $0 + (next.processes[$1.name] ?? 0) - (last.processes[$1.name] ?? 0) }
            last = next
            if Double(busy) / ProcFS.ticksPerSecond < 0.03 { break }
        }
        return last
    }
}

/// CPU milliseconds spent between two samples.
struct CPUSpent: Sendable {
    var processes: [String: Double]
    var client: Double
    var machine: Double
    var window: Duration

    init(from start: CPUMeter.Sample, to end: CPUMeter.Sample) {
        func ms(_ ticks: Int) -> Double { Double(ticks) * 1000 / ProcFS.ticksPerSecond }
        processes = end.processes.reduce(into: [:]) { $0[$1.key] = ms($1.value - (start.processes[$1.key] ?? 0)) }
        client = ms(end.client - start.client)
        machine = ms(end.machine - start.machine)
        window = end.at - start.at
    }
}
