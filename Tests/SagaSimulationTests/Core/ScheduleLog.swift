/// Every step of one schedule, in order: what a failing seed prints, and what a re-run of the
/// seed must print again, line for line.
struct ScheduleLog {
    let seed: UInt64
    private(set) var lines: [String] = []

    init(seed: UInt64) {
        self.seed = seed
    }

    /// Records one step; steps are numbered from 1.
    mutating func record(_ step: String) {
        lines.append("\(lines.count + 1). \(step)")
    }

    /// Number of steps recorded.
    var count: Int { lines.count }

    /// The schedule, with the line that re-runs it.
    var transcript: String {
        (["schedule of seed \(seed) (re-run: SIM_SEED=\(seed) make simulate):"] + lines.map { "  " + $0 }).joined(separator: "\n")
    }
}
