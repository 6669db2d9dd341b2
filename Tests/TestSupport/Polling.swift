import Foundation

/// What one look at the system found: the awaited value, or what was seen instead.
public enum Poll<Value: Sendable>: Sendable {
    case done(Value)
    case notYet(seen: String)
}

/// Waiting timed out: says what was expected and what was last seen.
public struct WaitTimeout: Error, CustomStringConvertible, Sendable {
    public let expectation: String
    public let lastSeen: String
    public let timeout: Duration

    public var description: String {
        "Timed out after \(timeout) waiting until \(expectation).\nLast seen: \(lastSeen)"
    }
}

/// Polls `probe` until it returns `.done`, or throws `WaitTimeout` after `timeout`.
///
/// Errors thrown by the probe (a refused connection, an unexpected status) count as "not yet"
/// and are reported as the last seen value. This is for eventual consistency only: scenarios
/// never assert on how long something took.
public func waitUntil<Value: Sendable>(
    _ expectation: String,
    timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(200),
    _ probe: () async throws -> Poll<Value>
) async throws -> Value {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var lastSeen = "nothing (never polled)"
    while true {
        do {
            switch try await probe() {
            case .done(let value): return value
            case .notYet(let seen): lastSeen = seen
            }
        } catch {
            lastSeen = "error: \(error)"
        }
        if clock.now >= deadline {
            throw WaitTimeout(expectation: expectation, lastSeen: lastSeen, timeout: timeout)
        }
        try await Task.sleep(for: interval)
    }
}

/// Polls until `condition` holds for the value `read` returns; returns that value.
public func waitUntil<Value: Sendable>(
    _ expectation: String,
    timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(200),
    read: () async throws -> Value,
    until condition: (Value) -> Bool
) async throws -> Value {
    try await waitUntil(expectation, timeout: timeout, interval: interval) {
        let value = try await read()
        return condition(value) ? .done(value) : .notYet(seen: String(describing: value))
    }
}
