import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The resident memory of a real inventory-service: at idle on a fresh store, after it appended
/// `events` events through its HTTP API (restocks), and idle again after a restart on that store.
///
/// No broker is needed: the service answers HTTP while its broker connections retry (`/ready` is
/// 503) and its outbox keeps every event, unpublished.
enum MemoryBenchmark {
    static let skus = 1_000
    static let workers = 8

    static func run(service: String, events: Int) async throws {
        let directory = try scratchDirectory("memory")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("inventory-service.sqlite").path
        let port = 18_000 + Int.random(in: 0..<2_000)
        var rows: [[String]] = []

        var process = try start(service, database: database, port: port, log: directory.appendingPathComponent("service.log"))
        try await waitForHealth(port: port)
        try await Task.sleep(for: .seconds(2))
        rows.append(["idle, empty store", memory(of: process)])

        let elapsed = try await drive(port: port, requests: events)
        try await Task.sleep(for: .seconds(2))
        rows.append(["after \(count(Double(events))) restocks (\(count(Double(events))) events appended)", memory(of: process)])
        process.terminate()
        process.waitUntilExit()

        process = try start(service, database: database, port: port, log: directory.appendingPathComponent("service-2.log"))
        try await waitForHealth(port: port)
        try await Task.sleep(for: .seconds(2))
        rows.append(["idle after a restart on that store", memory(of: process)])
        process.terminate()
        process.waitUntilExit()

        let size = (try FileManager.default.attributesOfItem(atPath: database)[.size] as? Int) ?? 0
        print("### inventory-service memory (RSS from /proc/<pid>/status)\n")
        printTable(["moment", "VmRSS / VmHWM (peak)"], rows)
        print("\(count(Double(events))) restocks over HTTP (\(workers) concurrent clients, \(skus) products) took \(String(format: "%.1f", elapsed)) s: \(count(Double(events) / elapsed)) requests/s; store file \(size / 1_048_576) MiB.\n")
    }

    static func start(_ service: String, database: String, port: Int, log: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: service)
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_PATH"] = database
        environment["HTTP_PORT"] = "\(port)"
        environment["AMQP_URL"] = "amqp://guest:guest@127.0.0.1:9/"
        environment["LOG_LEVEL"] = "error"
        process.environment = environment
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// `VmRSS / VmHWM` of the process, in MiB.
    static func memory(of process: Process) -> String {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            let kilobytes = Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? .nan
            return String(format: "%.1f MiB", kilobytes / 1_024)
        }
        return "\(field("VmRSS")) / \(field("VmHWM"))"
    }

    static func waitForHealth(port: Int) async throws {
        let url = URL(string: "http://127.0.0.1:\(port)/health")!
        for _ in 0..<300 {
            if let (_, response) = try? await URLSession.shared.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkError("the service did not answer /health on port \(port)")
    }

    /// `requests` restocks of one unit, round-robin over ``skus`` products, from ``workers`` clients.
    static func drive(port: Int, requests: Int) async throws -> Double {
        try await measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        let session = URLSession(configuration: .ephemeral)
                        for index in stride(from: worker, to: requests, by: workers) {
                            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/products/SKU-\(index % skus)/restock")!)
                            request.httpMethod = "POST"
                            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                            request.httpBody = Data(#"{"quantity": 1}"#.utf8)
                            let (_, response) = try await session.data(for: request)
                            guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                                throw BenchmarkError("restock \(index) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
