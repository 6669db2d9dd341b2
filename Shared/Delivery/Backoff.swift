import Synchronization

/// Capped exponential backoff for a loop that retries after a failure: each ``next()`` doubles
/// the delay (from `initial` up to `maximum`), ``reset()`` after a success starts over.
public final class Backoff: Sendable {
    private let initial: Duration
    private let maximum: Duration
    private let current: Mutex<Duration>

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
        current = Mutex(initial)
    }

    /// The delay to wait before the next attempt; the one after it is twice as long, up to the cap.
    public func next() -> Duration {
        current.withLock { delay in
            defer { delay = min(delay * 2, maximum) }
            return delay
        }
    }

    /// Whether the last attempt failed (a delay is pending beyond the first).
    public var isBackingOff: Bool { current.withLock { $0 > initial } }

    /// Starts over at `initial` (after a success).
    public func reset() {
        current.withLock { $0 = initial }
    }
}
