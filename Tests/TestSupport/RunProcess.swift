import Foundation

/// Runs `executable` with `arguments` to completion and returns its exit status and combined
/// stdout/stderr. `environment` is added to (and overrides) this process's environment.
///
/// Waits through the process's termination handler, so no thread of the cooperative pool is
/// blocked; output goes to a temporary file, so a grandchild that keeps the output open (an Erlang
/// daemon, say) cannot make the wait hang.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:]
) async throws -> (status: Int32, output: String) {
    let outputURL = FileManager.default.temporaryDirectory
        .appendingPathComponent("run-process-\(UUID().uuidString).log")
    guard FileManager.default.createFile(atPath: outputURL.path, contents: nil) else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: outputURL.path])
    }
    defer { try? FileManager.default.removeItem(at: outputURL) }
    let output = try FileHandle(forWritingTo: outputURL)
    defer { try? output.close() }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = output
    let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    return (status, text)
}
