import ArgumentParser
import Foundation
import SagaCtlKit

/// `sagactl projection …`: the projection's rebuild.
struct ProjectionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projection",
        abstract: "Rebuild projection-service's read models.",
        subcommands: [RebuildProjection.self]
    )
}

/// `sagactl projection rebuild`: `POST /admin/rebuild`, then follows `GET /admin/rebuild/{id}`.
struct RebuildProjection: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Start a rebuild of the read models from the event feeds and follow it to the end.",
        discussion: """
            On a terminal it draws a progress bar (events applied of the sources' heads); otherwise it \
            prints a line whenever the phase or the count changes. Exits 0 once the rebuild completed, \
            3 when it failed or another rebuild is running.
            """
    )

    @Flag(help: "Return once the rebuild is accepted instead of following it.")
    var noFollow = false
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = connection.client
        let total = try await Self.headTotal(client)
        var status = try await client.send("POST", .projection, "/admin/rebuild", admin: true).body
        guard let id = status["rebuildId"]?.stringValue else {
            throw SagaCtlError(.serverError, code: "bad_response", message: "projection-service accepted a rebuild without a rebuildId.")
        }
        let terminal = !connection.json && isatty(STDOUT_FILENO) == 1
        var lastLine = ""
        while !noFollow {
            let line = Self.progressLine(status, total: total, terminal: terminal)
            if line != lastLine, !connection.json {
                if terminal {
                    print("\r" + line, terminator: "")
                    fflush(nil)  // every stream: `stdout` itself is shared mutable state to Swift 6
                } else {
                    print(line)
                }
                lastLine = line
            }
            guard status["status"]?.stringValue == "running" else { break }
            try await Task.sleep(for: .milliseconds(200))
            status = try await client.send("GET", .projection, "/admin/rebuild/\(PathSegment.encode(id))", admin: true).body
        }
        if terminal, !noFollow { print("") }
        try connection.emit(status) {
            "rebuild \(id) \(status["status"].cell)"
                + (status["durationSeconds"].map { " in \($0.cell) s" } ?? "")
                + (status["error"].map { ": \($0.cell)" } ?? "")
        }
        if status["status"]?.stringValue == "failed" {
            FileHandle.standardError.write(Data("sagactl: error: rebuild_failed: \(status["error"].cell)\n".utf8))
            throw ExitCode(ExitStatus.rejected.rawValue)
        }
    }

    /// The sum of the sources' head positions: what the rebuild has to apply, for the bar.
    static func headTotal(_ client: APIClient) async throws -> Int {
        let stats = try await client.send("GET", .projection, "/stats").body
        return stats["sources"]?.objectValue.values.compactMap { $0["headPosition"]?.intValue }.reduce(0, +) ?? 0
    }

    static func progressLine(_ status: JSONValue, total: Int, terminal: Bool) -> String {
        let done = status["eventsApplied"]?.intValue ?? 0
        let label = status["phase"]?.stringValue ?? status["status"].cell
        if terminal { return ProgressBar.render(done: done, total: max(total, done), label: label) }
        return "rebuild \(status["rebuildId"].cell) \(status["status"].cell) \(label) \(done)/\(max(total, done)) events"
    }
}
