import Foundation

/// What the load generator reads from /proc: a process's CPU time (utime + stime, all its
/// threads), the whole machine's busy time (/proc/stat), and a process's resident memory.
enum ProcFS {
    /// Clock ticks per second of the times in /proc (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// utime + stime of `pid` in ticks, or nil when it cannot be read (the process is gone).
    static func cpuTicks(of pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm) " come the fields from the 3rd (state) on: utime is the 14th, stime the 15th.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let utime = Int(fields[11]), let stime = Int(fields[12]) else { return nil }
        return utime + stime
    }

    /// The machine's busy ticks summed over all CPUs (user, nice, system, irq, softirq, steal;
    /// not idle or iowait), from the first line of /proc/stat.
    static func machineBusyTicks() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first
        else { return 0 }
        let values = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard values.count >= 8 else { return 0 }
        return values[0] + values[1] + values[2] + values[5] + values[6] + values[7]
    }

    /// VmRSS of `pid` in KiB.
    static func residentKiB(of pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
}
