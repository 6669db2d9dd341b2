import Foundation
import TestSupport

// Helpers of the store-failure scenarios: a small tmpfs to hold one service's store, and a
// filler file that takes all of its free space.

/// A tmpfs mounted for one scenario (needs root: `mount -t tmpfs -o size=... tmpfs DIR`).
struct TmpfsMount: Sendable {
    let directory: URL

    /// Whether this process may mount a tmpfs: it tries once, on a throwaway directory.
    static let isPermitted: Bool = {
        guard getuid() == 0 else { return false }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tmpfs-probe-\(UUID().uuidString.prefix(8))")
        guard (try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)) != nil else { return false }
        defer { try? FileManager.default.removeItem(at: directory) }
        guard runSynchronously("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", directory.path]) == 0 else { return false }
        return runSynchronously("/bin/umount", [directory.path]) == 0
    }()

    /// Mounts a tmpfs of `megabytes` on a new temp directory.
    static func mount(megabytes: Int) async throws -> TmpfsMount {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-tmpfs-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let result = try await runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", directory.path])
        guard result.status == 0 else { throw HTTPClientError("mount tmpfs on \(directory.path) failed: \(result.output)") }
        return TmpfsMount(directory: directory)
    }

    /// Unmounts (lazily, should a process still hold a file) and removes the directory.
    func unmount() async {
        _ = try? await runProcess("/bin/umount", ["-l", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    /// `mount -o remount,ro` or `remount,rw`; returns the command's output when it failed.
    func remount(readOnly: Bool) async throws -> String? {
        let result = try await runProcess("/bin/mount", ["-o", readOnly ? "remount,ro" : "remount,rw", directory.path])
        return result.status == 0 ? nil : result.output
    }

    /// Writes a file until the filesystem has no space left; returns its path.
    func fill() throws -> URL {
        let url = directory.appendingPathComponent("filler")
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw HTTPClientError("cannot create \(url.path): errno \(errno)") }
        defer { close(fd) }
        for chunkSize in [1 << 20, 4096, 512] {
            let chunk = [UInt8](repeating: 0xAB, count: chunkSize)
            while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, chunkSize) }) == chunkSize {}
        }
        guard errno == ENOSPC else { throw HTTPClientError("filling \(url.path) stopped with errno \(errno), not ENOSPC") }
        return url
    }

    private static func runSynchronously(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
