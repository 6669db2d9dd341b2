import Foundation
import Synchronization

/// Lets one task wake a loop that waits between rounds (the outbox relay when events are
/// committed, a catch-up loop when it is asked to run): ``signal()`` ends the current or the
/// next ``wait(timeout:)`` at once. A signal given while nobody waits is remembered, so none is
/// missed between a query and a wait.
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiting loop, or the next wait when none is waiting.
    public func signal() {
        let waiters = state.withLock { state in
            let waiters = state.waiters.values
            state.waiters.removeAll()
            if waiters.isEmpty { state.pending = true }
            return Array(waiters)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at the next signal (or at once if one is pending), after `timeout`, or on cancellation.
    public func wait(timeout: Duration) async {
        if state.withLock({ state in defer { state.pending = false }; return state.pending }) { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
