import Foundation
import Synchronization

/// One rebuild of the read models, as `GET /admin/rebuild/{id}` shows it.
struct RebuildStatus: Codable, Sendable {
    enum State: String, Codable, Sendable {
        case running, completed, failed
    }

    var rebuildId: String
    var status: State
    /// While running: `catching_up` (the new store reads the feeds) or `switching` (live writes
    /// wait for the switch); once completed, `retiring` until the replaced store is closed and removed.
    var phase: String?
    var startedAt: Date
    var finishedAt: Date?
    /// Events applied to the new store so far.
    var eventsApplied: Int = 0
    /// From the request to the switch (or the failure).
    var durationSeconds: Double?
    /// Per source, the position the new store had when it took over.
    var positions: [String: Int64]?
    var error: String?
}

/// The rebuilds this process was asked for: at most one runs at a time.
final class Rebuilds: Sendable {
    private struct State {
        var all: [String: RebuildStatus] = [:]
        var running: String?
    }

    private let state = Mutex(State())
    /// Ids of the rebuilds to run, in the order they were accepted.
    let requests: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() {
        (requests, continuation) = AsyncStream.makeStream(of: String.self)
    }

    /// Accepts a new rebuild, or returns the running one's status as the conflict.
    func start(now: Date = Date()) -> Result<RebuildStatus, RebuildConflict> {
        let accepted = state.withLock { state -> Result<RebuildStatus, RebuildConflict> in
            if let running = state.running, let status = state.all[running] { return .failure(RebuildConflict(running: status)) }
            let status = RebuildStatus(rebuildId: UUID().uuidString.lowercased(), status: .running, phase: "catching_up", startedAt: now)
            state.all[status.rebuildId] = status
            state.running = status.rebuildId
            return .success(status)
        }
        if case .success(let status) = accepted { continuation.yield(status.rebuildId) }
        return accepted
    }

    func status(_ id: String) -> RebuildStatus? {
        state.withLock { $0.all[id] }
    }

    /// Every rebuild since the process started, newest first.
    var all: [RebuildStatus] {
        state.withLock { $0.all.values.sorted { $0.startedAt > $1.startedAt } }
    }

    /// Changes a rebuild's status; one that is no longer running frees the way for the next.
    func update(_ id: String, _ change: (inout RebuildStatus) -> Void) {
        state.withLock { state in
            guard var status = state.all[id] else { return }
            change(&status)
            state.all[id] = status
            if status.status != .running, state.running == id { state.running = nil }
        }
    }
}

/// A rebuild was asked for while another runs.
struct RebuildConflict: Error {
    var running: RebuildStatus
}
