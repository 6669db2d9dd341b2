import Foundation
import Testing
import TestSupport

/// One run of the real `sagactl` binary: its exit status, stdout and stderr apart.
struct SagaCtlRun: Sendable, CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var stdout: String
    var stderr: String

    /// stdout parsed as JSON (for `--json` runs).
    func json() throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(stdout.utf8))
        } catch {
            throw HTTPClientError("sagactl \(arguments.joined(separator: " ")) printed no JSON: \(self)")
        }
    }

    var description: String { "sagactl \(arguments.joined(separator: " ")) → \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// Runs `sagactl` against a scenario's services: base URLs and the admin token through the
/// environment, as an operator's shell would set them.
struct SagaCtl: Sendable {
    let executable: URL
    let environment: [String: String]

    init(system: SagaSystem) throws {
        executable = try BuildProducts.executable(named: "sagactl")
        var environment = [
            "SAGACTL_ORDER_URL": system.orderService.baseURL.absoluteString,
            "SAGACTL_PAYMENT_URL": system.paymentService.baseURL.absoluteString,
            "SAGACTL_INVENTORY_URL": system.inventoryService.baseURL.absoluteString,
            "SAGACTL_PROJECTION_URL": system.projectionService.baseURL.absoluteString,
        ]
        environment["ADMIN_TOKEN"] = system.configuration.adminToken
        self.environment = environment
    }

    func callAsFunction(_ arguments: String...) async throws -> SagaCtlRun {
        try await run(arguments)
    }

    func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> SagaCtlRun {
        let directory = FileManager.default.temporaryDirectory
        let outURL = directory.appendingPathComponent("sagactl-\(UUID().uuidString).out")
        let errURL = directory.appendingPathComponent("sagactl-\(UUID().uuidString).err")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw HTTPClientError("cannot create the output files of sagactl in \(directory.path)")
        }
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("SAGACTL_") && $0.key != "ADMIN_TOKEN" }
            .merging(environment) { $1 }.merging(extra) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return SagaCtlRun(
            arguments: arguments, status: status,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
