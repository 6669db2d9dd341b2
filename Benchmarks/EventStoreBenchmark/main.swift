import Foundation

// eventstore-benchmark: measures the event store on real files (docs/BENCHMARKS.md).
//   eventstore-benchmark [append] [load] [memory --service PATH] [--quick]
// With no scenario, runs append and load. Build with -c release before measuring.

let arguments = Array(CommandLine.arguments.dropFirst())
let quick = arguments.contains("--quick")
var scenarios = arguments.filter { ["append", "load", "memory"].contains($0) }
if scenarios.isEmpty { scenarios = ["append", "load"] }

func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

#if DEBUG
FileHandle.standardError.write(Data("warning: a debug build; measure with `swift build -c release`\n".utf8))
#endif
print("## eventstore-benchmark (\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB)\n")
do {
    for scenario in scenarios {
        // Other work on the machine shows in the tail latencies: say how busy it was.
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        FileHandle.standardError.write(Data("\(scenario): load average before \(load)\n".utf8))
        switch scenario {
        case "append": try await AppendBenchmark.run(quick: quick)
        case "load": try await LoadBenchmark.run(quick: quick)
        case "memory":
            guard let service = option("--service") else {
                FileHandle.standardError.write(Data("memory needs --service PATH (a built inventory-service)\n".utf8))
                exit(2)
            }
            try await MemoryBenchmark.run(service: service, events: Int(option("--events") ?? "") ?? 100_000)
        default: break
        }
    }
} catch {
    FileHandle.standardError.write(Data("eventstore-benchmark: \(error)\n".utf8))
    exit(1)
}
