import Foundation

/// When each order was placed and when its saga ended, and how.
actor OutcomeRecorder {
    struct Outcome: Sendable {
        var placedAt: ContinuousClock.Instant?
        var settledAt: ContinuousClock.Instant?
        var confirmed = false
    }

    private var outcomes: [String: Outcome] = [:]
    private var settledCount = 0
    private(set) var failedRequests = 0

    func placed(_ orderId: String, at instant: ContinuousClock.Instant) {
        outcomes[orderId, default: Outcome()].placedAt = instant
    }

    func settled(_ orderId: String, confirmed: Bool, at instant: ContinuousClock.Instant) {
        guard outcomes[orderId]?.settledAt == nil else { return }
        outcomes[orderId, default: Outcome()].settledAt = instant
        outcomes[orderId]?.confirmed = confirmed
        settledCount += 1
    }

    func requestFailed() {
        failedRequests += 1
    }

    /// Waits until `count` of this run's orders ended, or `timeout`; returns how many did.
    func waitUntilSettled(count: Int, timeout: Duration) async -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let done = outcomes.values.filter { $0.placedAt != nil && $0.settledAt != nil }.count
            if done >= count - failedRequests { return done }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return outcomes.values.filter { $0.placedAt != nil && $0.settledAt != nil }.count
    }

    func snapshot() -> [Outcome] {
        outcomes.values.filter { $0.placedAt != nil }
    }
}
