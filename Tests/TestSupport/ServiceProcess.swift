import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Exit status

/// How a child process ended.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    /// The process called `exit(code)`.
    case exited(Int32)
    /// The process was ended by a signal (for example 9 for SIGKILL, 15 for SIGTERM).
    case signaled(Int32)

    public var isCleanExit: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}

/// A failure of the harness itself (could not start, not ready in time, ...), with what was seen.
public struct ServiceProcessError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

// MARK: - Locating the build products

/// Finds the directory holding the package's executables (`order-service`, ...).
///
/// `swift test` on Linux runs the test bundle `<build dir>/<package>PackageTests.xctest`, which
/// is an executable sitting next to the products it was built with, so the directory of the
/// running executable is tried first. `SCENARIO_BIN_DIR` overrides everything.
public enum BuildProducts {
    public static func directory(
        containing executable: String,
        filePath: String = #filePath
    ) throws -> URL {
        let candidates = candidateDirectories(filePath: filePath)
        for directory in candidates {
            let path = directory.appendingPathComponent(executable).path
            if FileManager.default.isExecutableFile(atPath: path) {
                return directory
            }
        }
        throw ServiceProcessError(
            "Cannot find the executable `\(executable)`; looked in:\n"
                + candidates.map { "  - \($0.path)" }.joined(separator: "\n")
                + "\nBuild it first (`swift build`), or set SCENARIO_BIN_DIR to the directory holding it."
        )
    }

    public static func executable(named name: String, filePath: String = #filePath) throws -> URL {
        try directory(containing: name, filePath: filePath).appendingPathComponent(name)
    }

    static func candidateDirectories(filePath: String) -> [URL] {
        var result: [URL] = []
        func add(_ url: URL?) {
            guard let url else { return }
            let standardized = url.standardizedFileURL.resolvingSymlinksInPath()
            if !result.contains(standardized) { result.append(standardized) }
        }
        let environment = ProcessInfo.processInfo.environment
        if let override = environment["SCENARIO_BIN_DIR"], !override.isEmpty {
            add(URL(fileURLWithPath: override, isDirectory: true))
        }
        #if os(Linux)
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            add(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        #endif
        if let argument0 = CommandLine.arguments.first, argument0.contains("/") {
            add(URL(fileURLWithPath: argument0).deletingLastPathComponent())
        }
        add(Bundle.main.executableURL?.deletingLastPathComponent())
        // On macOS the bundle is `<build dir>/X.xctest/Contents/MacOS/X`.
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            add(bundle.bundleURL.deletingLastPathComponent())
        }
        // Fallback: walk up from this source file to the package root and look in .build.
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                let build = directory.appendingPathComponent(".build")
                add(build.appendingPathComponent("debug"))
                if let entries = try? FileManager.default.contentsOfDirectory(atPath: build.path) {
                    for entry in entries.sorted() where entry.contains("-") {
                        add(build.appendingPathComponent(entry).appendingPathComponent("debug"))
                    }
                }
                add(build.appendingPathComponent("release"))
                break
            }
            directory = directory.deletingLastPathComponent()
        }
        return result
    }
}

// MARK: - Free ports

public enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    /// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close).
    /// Never returns the same port twice in one test process.
    public static func next() throws -> Int {
        for _ in 0..<50 {
            let port = try bindEphemeralPort()
            let isNew = handedOut.withLock { $0.insert(port).inserted }
            if isNew { return port }
        }
        throw ServiceProcessError("Could not find a free TCP port on 127.0.0.1")
    }

    private static func bindEphemeralPort() throws -> Int {
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ServiceProcessError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw ServiceProcessError("bind() failed: errno \(errno)") }
        var actual = sockaddr_in()
        var actualLength = length
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        guard named == 0 else { throw ServiceProcessError("getsockname() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: actual.sin_port))
    }
}

// MARK: - Keeping children from outliving the test process

/// Every child pid that is still running. Killed when the test process exits normally
/// (`atexit`); on Linux the children are also started with a parent-death signal (see
/// `Spawner`), which covers crashes and SIGKILL of the test process.
private let liveChildren = Mutex<Set<Int32>>([])
private let atexitInstalled = Mutex<Bool>(false)

private func registerChild(_ pid: Int32) {
    let install = atexitInstalled.withLock { installed -> Bool in
        defer { installed = true }
        return !installed
    }
    if install {
        atexit {
            let pids = liveChildren.withLock { $0 }
            for pid in pids { _ = sendSignal(pid, SIGKILL) }
        }
    }
    liveChildren.withLock { _ = $0.insert(pid) }
}

private func unregisterChild(_ pid: Int32) {
    liveChildren.withLock { _ = $0.remove(pid) }
}

@discardableResult
private func sendSignal(_ pid: Int32, _ signal: Int32) -> Bool {
    kill(pid, signal) == 0
}

/// Starts child processes from one thread that lives as long as the test process.
///
/// Linux delivers a parent-death signal (`PR_SET_PDEATHSIG`, set by `setpriv --pdeathsig`) when
/// the *thread* that forked the child ends, not the process; Swift concurrency's worker threads
/// may come and go, so children are forked from this dedicated, never-ending thread instead.
private final class Spawner: @unchecked Sendable {
    static let shared = Spawner()

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []

    private init() {
        let thread = Thread { [self] in self.loop() }
        thread.name = "TestSupport.Spawner"
        thread.start()
    }

    func perform<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            jobs.append {
                do { continuation.resume(returning: try job()) } catch { continuation.resume(throwing: error) }
            }
            condition.signal()
            condition.unlock()
        }
    }

    private func loop() {
        // Foundation's threads start with almost every signal blocked, and a spawned child
        // inherits the mask: the services would never see SIGTERM. Children start unblocked.
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

// MARK: - ServiceProcess

/// One running (or stopped) service executable with its environment, port and log file.
///
/// stdout and stderr go to `logURL` (appended across restarts). Use `logTail()` in failure
/// messages. A process must always be stopped (`terminate()`/`kill()`); `withSagaSystem`
/// does that for the whole system.
public final class ServiceProcess: Sendable {
    public let name: String
    public let executableURL: URL
    public let arguments: [String]
    public let environment: [String: String]
    public let workingDirectory: URL
    public let host: String
    public let port: Int
    public let logURL: URL
    public let client: HTTPClient

    public var baseURL: URL { client.baseURL }

    private let child = Mutex<Child?>(nil)
    private let launches = Mutex<Int>(0)
    private let unexpectedExits = UnexpectedExits()

    /// Environment variables of the test process that are never passed through to a child,
    /// so that a developer's shell cannot change what a scenario runs against.
    public static let configurationKeys: Set<String> = [
        "AMQP_URL", "HTTP_HOST", "HTTP_PORT", "DATABASE_PATH", "ADMIN_TOKEN", "LOG_LEVEL",
        "LOG_FORMAT", "MAX_DELIVERY_ATTEMPTS", "RETRY_DELAYS_MS", "SAGA_TIMEOUT_SECONDS", "SOURCE_URLS",
        // Tracing: a shell's collector would otherwise receive every scenario's spans.
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME",
    ]

    public init(
        name: String,
        executableURL: URL,
        arguments: [String] = [],
        environment: [String: String],
        workingDirectory: URL,
        host: String = "127.0.0.1",
        port: Int,
        logURL: URL
    ) {
        self.name = name
        self.executableURL = executableURL
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.host = host
        self.port = port
        self.logURL = logURL
        self.client = HTTPClient(baseURL: URL(string: "http://\(host):\(port)")!)
    }

    /// The pid of the running process, nil when it is not running.
    public var pid: Int32? {
        child.withLock { current in
            guard let current, current.exitStatus == nil else { return nil }
            return current.pid
        }
    }

    public var isRunning: Bool { pid != nil }

    /// How the last run ended, nil while running or before the first start.
    public var lastExitStatus: ExitStatus? { child.withLock { $0?.exitStatus } }

    /// How the first run that ended without `kill()`/`terminate()` asking it to ended
    /// (a crash or an early exit), nil if none did.
    public var unexpectedExitStatus: ExitStatus? { unexpectedExits.first }

    // MARK: Lifecycle

    /// Launches the executable. Does not wait for readiness (see `waitUntilReady`).
    public func start() async throws {
        if isRunning { throw ServiceProcessError("\(name) is already running (pid \(pid ?? -1))") }
        let launch = launches.withLock { count -> Int in count += 1; return count }

        try FileManager.default.createDirectory(at: logURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: workingDirectory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        try log.seekToEnd()
        let banner = "\n===== [harness] launch #\(launch) of \(name) at \(Date()) on port \(port) =====\n"
        try log.write(contentsOf: Data(banner.utf8))

        var env = ProcessInfo.processInfo.environment.filter { !Self.configurationKeys.contains($0.key) }
        for (key, value) in environment { env[key] = value }

        let process = Process()
        #if os(Linux)
        let setpriv = "/usr/bin/setpriv"
        if FileManager.default.isExecutableFile(atPath: setpriv) {
            // setpriv sets PR_SET_PDEATHSIG and execs the service: same pid, dies with us.
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--pdeathsig", "KILL", "--", executableURL.path] + arguments
        } else {
            process.executableURL = executableURL
            process.arguments = arguments
        }
        #else
        process.executableURL = executableURL
        process.arguments = arguments
        #endif
        process.environment = env
        process.currentDirectoryURL = workingDirectory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log

        let newChild = Child(log: log)
        let unexpectedExits = self.unexpectedExits
        process.terminationHandler = { finished in
            let status: ExitStatus =
                finished.terminationReason == .uncaughtSignal
                ? .signaled(finished.terminationStatus) : .exited(finished.terminationStatus)
            if !newChild.stopRequested { unexpectedExits.record(status) }
            newChild.finish(status)
        }
        let box = UncheckedBox(process)
        let pid: Int32
        do {
            pid = try await Spawner.shared.perform {
                try box.value.run()
                return box.value.processIdentifier
            }
        } catch {
            try? log.close()
            throw ServiceProcessError("Could not launch \(executableURL.path): \(error)")
        }
        newChild.started(pid: pid, process: box)
        child.withLock { $0 = newChild }
    }

    /// Polls `GET /ready` until it answers 200. Fails early (with the log tail) if the process exits.
    public func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var lastSeen = "no answer yet"
        while clock.now < deadline {
            if let exit = child.withLock({ $0?.exitStatus }) {
                throw ServiceProcessError(
                    "\(name) exited (\(exit)) before becoming ready on port \(port).\n\(logTailSection())")
            }
            if child.withLock({ $0 == nil }) {
                throw ServiceProcessError("\(name) was never started")
            }
            do {
                let response = try await client.send("GET", "/ready", timeout: 2)
                if response.status == 200 { return }
                lastSeen = "GET /ready answered \(response.status): \(response.text.prefix(300))"
            } catch {
                lastSeen = "GET /ready failed: \(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServiceProcessError(
            "\(name) did not become ready within \(timeout) on port \(port); last seen: \(lastSeen).\n\(logTailSection())")
    }

    /// SIGKILL, then waits until the process is reaped. Returns how it ended (nil if it was not running).
    @discardableResult
    public func kill() async -> ExitStatus? {
        guard let current = child.withLock({ $0 }), let pid = current.requestStop() else {
            return nil
        }
        sendSignal(pid, SIGKILL)
        return await current.waitForExit(timeout: .seconds(30))
    }

    /// SIGTERM, waits up to `timeout` for the process to exit and returns its exit status.
    /// If it does not exit in time it is SIGKILLed and `.signaled(SIGKILL)` is returned,
    /// so a hang shows up as an unclean exit. Returns nil if it was not running.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(20)) async -> ExitStatus? {
        guard let current = child.withLock({ $0 }), let pid = current.requestStop() else {
            return nil
        }
        sendSignal(pid, SIGTERM)
        if let status = await current.waitForExit(timeout: timeout) { return status }
        appendToLog("===== [harness] \(name) did not exit within \(timeout) of SIGTERM; sending SIGKILL =====")
        sendSignal(pid, SIGKILL)
        return await current.waitForExit(timeout: .seconds(30))
    }

    /// Stops the process (SIGTERM, or SIGKILL when `graceful` is false), starts it again with the
    /// same environment, port and database, and waits until it is ready.
    /// Returns how the previous run ended.
    @discardableResult
    public func restart(graceful: Bool = true, readyTimeout: Duration = .seconds(60)) async throws -> ExitStatus? {
        let status = graceful ? await terminate() : await kill()
        try await start()
        try await waitUntilReady(timeout: readyTimeout)
        return status
    }

    // MARK: Logs

    /// The last `lines` lines of the log file (stdout and stderr of every run).
    public func logTail(lines: Int = 60) -> String {
        guard let handle = try? FileHandle(forReadingFrom: logURL) else { return "(no log at \(logURL.path))" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let window: UInt64 = 64 * 1024
        try? handle.seek(toOffset: size > window ? size - window : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// A labelled log tail for failure messages.
    public func logTailSection(lines: Int = 60) -> String {
        "----- last \(lines) log lines of \(name) (\(logURL.path)) -----\n\(logTail(lines: lines))\n----- end of \(name) log -----"
    }

    func appendToLog(_ line: String) {
        guard let handle = try? FileHandle(forWritingTo: logURL) else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data((line + "\n").utf8))
    }
}

/// Holds a non-Sendable value that is only touched from one place at a time
/// (the `Process` object: configured before launch, then read-only).
final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Exits nobody asked for, across all launches of one service.
private final class UnexpectedExits: Sendable {
    private let statuses = Mutex<[ExitStatus]>([])
    func record(_ status: ExitStatus) { statuses.withLock { $0.append(status) } }
    var first: ExitStatus? { statuses.withLock { $0.first } }
}

/// One launch of a service.
private final class Child: Sendable {
    private struct State {
        var pid: Int32?
        var process: UncheckedBox<Process>?
        var exitStatus: ExitStatus?
        var stopRequested = false
    }

    private let state = Mutex(State())
    private let log: UncheckedBox<FileHandle>

    init(log: FileHandle) { self.log = UncheckedBox(log) }

    var pid: Int32? { state.withLock { $0.pid } }
    var exitStatus: ExitStatus? { state.withLock { $0.exitStatus } }
    var stopRequested: Bool { state.withLock { $0.stopRequested } }

    /// Marks the stop as asked for by the harness; returns the pid if still running.
    func requestStop() -> Int32? {
        state.withLock { state in
            guard state.exitStatus == nil, let pid = state.pid else { return nil }
            state.stopRequested = true
            return pid
        }
    }

    func started(pid: Int32, process: UncheckedBox<Process>) {
        state.withLock {
            $0.pid = pid
            $0.process = process
        }
        registerChild(pid)
        // The process may already have ended (and `finish` run) before we got here.
        if exitStatus != nil { unregisterChild(pid) }
    }

    func finish(_ status: ExitStatus) {
        let pid = state.withLock { state -> Int32? in
            state.exitStatus = status
            state.process = nil
            return state.pid
        }
        if let pid { unregisterChild(pid) }
        try? log.value.close()
    }

    func waitForExit(timeout: Duration) async -> ExitStatus? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if let status = exitStatus { return status }
            if clock.now >= deadline { return nil }
            // Also when the task is cancelled (a test's time limit): cleanup must still wait.
            do { try await Task.sleep(for: .milliseconds(20)) } catch { usleep(20_000) }
        }
    }
}
