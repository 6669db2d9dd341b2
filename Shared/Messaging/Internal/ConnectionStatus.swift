import Synchronization

/// Whether the connection thread has finished, and why; lets tasks await that moment.
final class ConnectionStatus: Sendable {
    private struct State {
        /// `.none` while running, `.some(nil)` after a requested close, `.some(error)` after a failure.
        var ended: AMQPError?? = .none
        var waiters: [UInt64: CheckedContinuation<AMQPError?, Never>] = [:]
        var nextWaiterID: UInt64 = 0
    }

    private let state = Mutex(State())
    private let blocked = Atomic<Bool>(false)

    /// Whether the broker has blocked the connection (`connection.blocked` until `connection.unblocked`).
    var isBlocked: Bool { blocked.load(ordering: .relaxed) }

    func setBlocked(_ value: Bool) {
        blocked.store(value, ordering: .relaxed)
    }

    /// Records that the connection ended (`nil`: closed on request) and wakes every waiter.
    func finish(_ error: AMQPError?) {
        let waiters = state.withLock { state in
            state.ended = .some(error)
            defer { state.waiters.removeAll() }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume(returning: error) }
    }

    /// Suspends until `finish` is called and returns its error; returns nil early if the task is cancelled.
    func wait() async -> AMQPError? {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ended = state.withLock { state -> AMQPError?? in
                    if let ended = state.ended { return .some(ended) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let ended { continuation.resume(returning: ended) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}
