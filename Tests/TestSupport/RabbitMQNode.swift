import Foundation
import Synchronization

/// Why a test broker could not be started or controlled, with what it logged.
public struct RabbitMQNodeError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// A private RabbitMQ node for tests: its own node name, free AMQP and distribution ports and
/// its own data, log and config files under a temporary directory. It never touches another
/// node (such as a system node on 5672). Always `stop()` it.
///
/// As root, `rabbitmq-server` and `rabbitmqctl` switch to the `rabbitmq` user (whose Erlang
/// cookie in /var/lib/rabbitmq they share), so the directory is handed to that user.
public final class RabbitMQNode: Sendable {
    public let nodeName: String
    public let amqpPort: Int
    public let distPort: Int
    /// `amqp://guest:guest@127.0.0.1:PORT/` (guest may only log in from localhost).
    public var amqpURL: String { "amqp://guest:guest@127.0.0.1:\(amqpPort)/" }

    private let directory: URL
    private let environment: [String: String]
    private let server: Process
    private let stopped = Mutex(false)

    private init(nodeName: String, amqpPort: Int, distPort: Int, directory: URL, environment: [String: String], server: Process) {
        self.nodeName = nodeName
        self.amqpPort = amqpPort
        self.distPort = distPort
        self.directory = directory
        self.environment = environment
        self.server = server
    }

    /// Starts a node and returns once it accepts AMQP connections and answers `rabbitmqctl`
    /// (typically ~5 s); throws with the node's log tail when it does not within 60 s.
    public static func start() async throws -> RabbitMQNode {
        let nodeName = "test-\(UUID().uuidString.prefix(8).lowercased())@localhost"
        let amqpPort = try FreePort.next()
        let distPort = try FreePort.next()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rabbitmq-\(nodeName)")
        let environment = try prepare(directory: directory, nodeName: nodeName, amqpPort: amqpPort, distPort: distPort)

        let server = Process()
        server.executableURL = URL(fileURLWithPath: tool("rabbitmq-server"))
        server.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        server.standardInput = FileHandle.nullDevice
        let console = try FileHandle(forWritingTo: directory.appendingPathComponent("console.log"))
        server.standardOutput = console
        server.standardError = console
        try server.run()
        try? console.close()

        let node = RabbitMQNode(
            nodeName: nodeName, amqpPort: amqpPort, distPort: distPort, directory: directory,
            environment: environment, server: server)
        do {
            try await node.waitUntilPortAnswers(timeout: .seconds(60))
            try await node.control("rabbitmq-diagnostics", "check_port_connectivity")
        } catch {
            await node.stop()
            throw error
        }
        return node
    }

    /// `rabbitmqctl stop_app`: the broker closes every connection and stops listening (an outage).
    public func stopApp() async throws {
        try await control("rabbitmqctl", "stop_app")
    }

    /// `rabbitmqctl start_app`, then waits until the AMQP port answers again.
    public func startApp() async throws {
        try await control("rabbitmqctl", "start_app")
        try await waitUntilPortAnswers(timeout: .seconds(60))
    }

    /// `rabbitmqctl set_vm_memory_high_watermark <fraction>`: a tiny fraction (0.000001) raises
    /// the memory alarm at once, so the broker blocks every publishing connection (flow control);
    /// 0.4, the default, clears it.
    public func setMemoryHighWatermark(_ fraction: String) async throws {
        let result = try await runProcess(
            Self.tool("rabbitmqctl"), ["-q", "-n", nodeName, "set_vm_memory_high_watermark", fraction], environment: environment)
        guard result.status == 0 else {
            throw RabbitMQNodeError(description: "rabbitmqctl set_vm_memory_high_watermark \(fraction) failed (\(result.status)):\n\(result.output)")
        }
    }

    /// `rabbitmqctl delete_queue NAME` on the default vhost: the queue and its messages are gone,
    /// under whichever service uses it (as an operator's mistake would do).
    public func deleteQueue(_ name: String) async throws {
        try await control("rabbitmqctl", "delete_queue", name)
    }

    /// `rabbitmqctl add_user` and `set_permissions` on the default vhost (configure, write and
    /// read everything): a login of its own, e.g. with a password whose bytes a sloppy decoder would change.
    public func addUser(_ user: String, password: String) async throws {
        try await control("rabbitmqctl", "add_user", user, password)
        try await control("rabbitmqctl", "set_permissions", "-p", "/", user, ".*", ".*", ".*")
    }

    /// Stops the node (`rabbitmqctl stop`, or SIGKILL when it does not exit within 30 s) and
    /// removes its directory. Safe to call more than once.
    public func stop() async {
        guard stopped.withLock({ stopped in defer { stopped = true }; return !stopped }) else { return }
        if server.isRunning {
            _ = try? await runProcess(Self.tool("rabbitmqctl"), ["-n", nodeName, "stop"], environment: environment)
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while server.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if server.isRunning { killNode() }
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Helpers

    /// Creates the node's directories and files and returns the environment that points the
    /// RabbitMQ scripts at them (nothing is read from /etc/rabbitmq).
    private static func prepare(directory: URL, nodeName: String, amqpPort: Int, distPort: Int) throws -> [String: String] {
        let files = FileManager.default
        let mnesia = directory.appendingPathComponent("mnesia")
        let logs = directory.appendingPathComponent("log")
        for path in [directory, mnesia, logs] {
            try files.createDirectory(at: path, withIntermediateDirectories: true)
        }
        let contents = [
            "enabled_plugins": "[].\n",
            "rabbitmq.conf": "log.console.level = warning\nlog.file.level = info\n",
            "rabbitmq-env.conf": "",
            "console.log": "",
        ]
        for (name, text) in contents {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        if getuid() == 0 {
            let owner: [FileAttributeKey: Any] = [.ownerAccountName: "rabbitmq", .groupOwnerAccountName: "rabbitmq"]
            for path in [directory, mnesia, logs] + contents.keys.map({ directory.appendingPathComponent($0) }) {
                try files.setAttributes(owner, ofItemAtPath: path.path)
            }
        }
        return [
            "RABBITMQ_NODENAME": nodeName,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": "\(amqpPort)",
            "RABBITMQ_DIST_PORT": "\(distPort)",
            "RABBITMQ_MNESIA_BASE": mnesia.path,
            "RABBITMQ_LOG_BASE": logs.path,
            "RABBITMQ_PID_FILE": directory.appendingPathComponent("node.pid").path,
            "RABBITMQ_ENABLED_PLUGINS_FILE": directory.appendingPathComponent("enabled_plugins").path,
            "RABBITMQ_CONFIG_FILE": directory.appendingPathComponent("rabbitmq.conf").path,
            "RABBITMQ_ADVANCED_CONFIG_FILE": directory.appendingPathComponent("advanced.config").path,
            "RABBITMQ_CONF_ENV_FILE": directory.appendingPathComponent("rabbitmq-env.conf").path,
        ]
    }

    /// The RabbitMQ script to run: the /usr/sbin wrappers switch from root to the rabbitmq user.
    private static func tool(_ name: String) -> String {
        getuid() == 0 ? "/usr/sbin/\(name)" : "/usr/lib/rabbitmq/bin/\(name)"
    }

    /// Runs `rabbitmqctl`/`rabbitmq-diagnostics -n NODE command`; throws with its output on failure.
    private func control(_ tool: String, _ command: String, _ arguments: String...) async throws {
        let result = try await runProcess(Self.tool(tool), ["-q", "-n", nodeName, command] + arguments, environment: environment)
        guard result.status == 0 else {
            throw RabbitMQNodeError(
                description: "\(tool) \(command) \(arguments.joined(separator: " ")) on \(nodeName) failed (\(result.status)):\n\(result.output)\n\(logTail())")
        }
    }

    private func waitUntilPortAnswers(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while !Self.portAnswers(amqpPort) {
            guard server.isRunning else {
                throw RabbitMQNodeError(description: "RabbitMQ node \(nodeName) exited while starting.\n\(logTail())")
            }
            guard ContinuousClock.now < deadline else {
                throw RabbitMQNodeError(
                    description: "RabbitMQ node \(nodeName) did not open port \(amqpPort) within \(timeout).\n\(logTail())")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private static func portAnswers(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    /// Last resort when `rabbitmqctl stop` did not work: kill the Erlang VM (pid file) and the script.
    private func killNode() {
        let pidFile = directory.appendingPathComponent("node.pid")
        if let text = try? String(contentsOf: pidFile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
        }
        kill(server.processIdentifier, SIGKILL)
    }

    /// The end of the node's console output and log file, for error messages.
    private func logTail(lines: Int = 40) -> String {
        let files = [
            directory.appendingPathComponent("console.log"),
            directory.appendingPathComponent("log").appendingPathComponent("\(nodeName).log"),
        ]
        return files.map { file in
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? "(missing)"
            let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
            return "--- \(file.lastPathComponent) (last \(lines) lines) ---\n" + tail.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
