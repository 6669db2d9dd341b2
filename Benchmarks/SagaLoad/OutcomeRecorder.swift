/// When each order of the current phase was placed and when its saga ended, and how; wakes the
/// callers waiting for a saga to end (one at a time and closed loop).
actor OutcomeRecorder {
    struct Outcome: Sendable {
        var placedAt: ContinuousClock.Instant?
        var endedAt: ContinuousClock.Instant?
        var confirmed = false
    }

    private var outcomes: [String: Outcome] = [:]
    private var waiters: [String: (continuation: CheckedContinuation<Bool, Never>, deadline: ContinuousClock.Instant)] = [:]
    private var placedCount = 0
    private var endedCount = 0
    private(set) var failedRequests = 0

    /// Starts a new phase: forgets the previous one's orders (and any late ends of them).
    func reset() {
        outcomes = [:]
        placedCount = 0
        endedCount = 0
        failedRequests = 0
        for waiter in waiters.values { waiter.continuation.resume(returning: false) }
        waiters = [:]
    }

    func placed(_ orderId: String, at instant: ContinuousClock.Instant) {
        outcomes[orderId, default: Outcome()].placedAt = instant
        placedCount += 1
        if outcomes[orderId]?.endedAt != nil { endedCount += 1 }
    }

    /// A batch of ends seen on the broker at `instant` (an end may come before its `placed`).
    func ended(_ ends: [(orderId: String, confirmed: Bool)], at instant: ContinuousClock.Instant) {
        for end in ends {
            guard outcomes[end.orderId]?.endedAt == nil else { continue }
            outcomes[end.orderId, default: Outcome()].endedAt = instant
            outcomes[end.orderId]?.confirmed = end.confirmed
            if outcomes[end.orderId]?.placedAt != nil { endedCount += 1 }
            waiters.removeValue(forKey: end.orderId)?.continuation.resume(returning: true)
        }
    }

    func requestFailed() {
        failedRequests += 1
    }

    /// Returns once the saga of `orderId` ended (true), or `timeout` passed (false; checked by
    /// `sweep`, which the caller runs every second or so: one timer for all waiters).
    func waitForEnd(of orderId: String, timeout: Duration) async -> Bool {
        if outcomes[orderId]?.endedAt != nil { return true }
        let deadline = ContinuousClock.now + timeout
        return await withCheckedContinuation { waiters[orderId] = ($0, deadline) }
    }

    /// Gives up on the waiters whose deadline passed.
    func sweep() {
        let now = ContinuousClock.now
        for (orderId, waiter) in waiters where waiter.deadline <= now {
            waiters.removeValue(forKey: orderId)
            waiter.continuation.resume(returning: false)
        }
    }

    /// Waits until every order placed in this phase ended, or `timeout`; returns how many did.
    func waitUntilAllEnded(timeout: Duration) async -> Int {
        let deadline = ContinuousClock.now + timeout
        while endedCount < placedCount, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return endedCount
    }

    /// The orders placed in this phase.
    func snapshot() -> [Outcome] {
        outcomes.values.filter { $0.placedAt != nil }
    }
}
