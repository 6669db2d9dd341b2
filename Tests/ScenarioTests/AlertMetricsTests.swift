import Foundation
import Messaging
import Testing
import TestSupport

/// The metrics an operator alerts on, read from the real services' `/metrics` while the
/// condition they describe is made to happen: a relay that cannot publish, a consumer that
/// cannot commit, messages parked, sagas ending.
@Suite("Alert metrics", .serialized, .timeLimit(.minutes(10)))
struct AlertMetricsTests {
    @Test func theOutboxBacklogAndItsOldestRowsAgeGrowWhileTheBrokerIsDownAndClearAfter() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-backlog", amount: 10_000)
            try await system.restock(sku: "SKU-B", quantity: 10)
            try await waitForSample(system, .order, "outbox_pending", equalTo: 0)

            try await system.broker.stopApp()
            let orderId = try await system.placeOrder(customerId: "c-backlog", items: [OrderLine(sku: "SKU-B", quantity: 1, unitPrice: 100)])
            try await waitForSample(system, .order, "outbox_pending", atLeast: 1)
            try await waitForSample(system, .order, "outbox_oldest_pending_age_seconds", above: 0)

            try await system.broker.startApp()
            let order = try await system.waitForFinalStatus(orderId)
            #expect(order.status == .confirmed, "\(order)")
            try await waitForSample(system, .order, "outbox_pending", equalTo: 0)
            try await waitForSample(system, .order, "outbox_oldest_pending_age_seconds", equalTo: 0)
            await system.checkInvariants()
        }
    }

    @Test func consumerLagGrowsWhileTheStoreIsLockedAndParkedCountGrowsWhenTheMessagesAreParked() async throws {
        try await withSagaSystem { system in
            let queue = #"queue="payment-service""#
            try await waitForSample(system, .payment, "consumer_lag_messages", labels: queue, equalTo: 0)
            try await waitForSample(system, .payment, "dead_letters_parked", equalTo: 0)

            // Another process holds the write lock: payment-service can take no message off its queue.
            let lock = try SQLiteWriteLock.hold(system.databasePath(of: .payment))
            let publisher = try await RawPublisher.connect(to: system)
            let count = 300
            for index in 0..<count {
                try await publisher.publish(
                    exchange: "orders", routingKey: "order.placed", body: Data("not an envelope \(index)".utf8),
                    messageId: "lag-\(index)")
            }
            await publisher.close()
            // At most a prefetch window (128) is delivered; the rest waits in the queue.
            try await waitForSample(system, .payment, "consumer_lag_messages", labels: queue, atLeast: Double(count - 128))

            lock.release()
            try await waitForSample(system, .payment, "consumer_lag_messages", labels: queue, equalTo: 0, timeout: .seconds(60))
            try await waitForSample(system, .payment, "dead_letters_parked", equalTo: Double(count), timeout: .seconds(60))
        }
    }

    @Test func sagaDurationsAreObservedOncePerSagaByHowItEnded() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-rich", amount: 10_000)
            try await system.deposit(customerId: "c-poor", amount: 50)
            try await system.restock(sku: "SKU-D", quantity: 10)
            let confirmed = try await system.placeOrder(customerId: "c-rich", items: [OrderLine(sku: "SKU-D", quantity: 1, unitPrice: 100)])
            let declined = try await system.placeOrder(customerId: "c-poor", items: [OrderLine(sku: "SKU-D", quantity: 1, unitPrice: 100)])
            #expect(try await system.waitForFinalStatus(confirmed).status == .confirmed)
            #expect(try await system.waitForFinalStatus(declined).status == .cancelled)
            try await waitForSample(system, .order, "saga_duration_seconds_count", labels: #"outcome="confirmed""#, equalTo: 1)
            try await waitForSample(system, .order, "saga_duration_seconds_count", labels: #"outcome="cancelled""#, equalTo: 1)

            // Cancelling the confirmed order later is no saga end: nothing more is observed.
            try await system.cancelOrder(confirmed)
            let another = try await system.placeOrder(customerId: "c-rich", items: [OrderLine(sku: "SKU-D", quantity: 1, unitPrice: 100)])
            #expect(try await system.waitForFinalStatus(another).status == .confirmed)
            try await waitForSample(system, .order, "saga_duration_seconds_count", labels: #"outcome="confirmed""#, equalTo: 2)
            #expect(try await sample(system, .order, "saga_duration_seconds_count", labels: #"outcome="cancelled""#) == 1)
            await system.checkInvariants()
        }
    }
}

// MARK: - Reading /metrics

/// The value of the sample `name{labels}` (labels as written by Prometheus, or none) in the
/// service's `/metrics`; `nil` when there is no such sample.
func sample(_ system: SagaSystem, _ service: ServiceName, _ name: String, labels: String? = nil) async throws -> Double? {
    let response = try await system.service(service).client.get("/metrics")
    guard response.status == 200 else { throw HTTPClientError("expected 200, got \(response)") }
    for line in response.text.split(separator: "\n") where !line.hasPrefix("#") {
        let parts = line.split(separator: " ")
        guard parts.count >= 2 else { continue }
        let series = String(parts[0])
        var matches = series == name
        if let labels, series.hasPrefix(name + "{"), series.hasSuffix("}") {
            let inner = series.dropFirst(name.count + 1).dropLast()
            matches = inner.split(separator: ",").contains { String($0) == labels }
        }
        if matches { return Double(parts[1]) }
    }
    return nil
}

func waitForSample(
    _ system: SagaSystem, _ service: ServiceName, _ name: String, labels: String? = nil,
    equalTo expected: Double? = nil, atLeast minimum: Double? = nil, above floor: Double? = nil, timeout: Duration = .seconds(30)
) async throws {
    var conditions: [String] = []
    if let expected { conditions.append("= \(expected)") }
    if let minimum { conditions.append(">= \(minimum)") }
    if let floor { conditions.append("> \(floor)") }
    let series = labels.map { "\(name){\($0)}" } ?? name
    let expectation = "\(service) \(series) \(conditions.joined(separator: " and "))"
    _ = try await waitUntil(expectation, timeout: timeout) { () async throws -> Poll<Double> in
        guard let value = try await sample(system, service, name, labels: labels) else { return .notYet(seen: "no sample") }
        var fits = true
        if let expected, value != expected { fits = false }
        if let minimum, value < minimum { fits = false }
        if let floor, value <= floor { fits = false }
        return fits ? .done(value) : .notYet(seen: "\(value)")
    }
}

// MARK: - Holding a store's write lock

extension SagaSystem {
    /// The SQLite file of a service in this scenario.
    func databasePath(of service: ServiceName) -> String {
        directory.appendingPathComponent("data/\(service.rawValue)/\(service.rawValue).sqlite").path
    }
}

/// A Python process holding SQLite's write lock on a file (`BEGIN IMMEDIATE`) until released.
final class SQLiteWriteLock: Sendable {
    private let process: Process
    private let input: Pipe

    private init(process: Process, input: Pipe) {
        self.process = process
        self.input = input
    }

    /// Returns once the lock is held.
    static func hold(_ path: String) throws -> SQLiteWriteLock {
        let script = """
            import sqlite3, sys
            connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            connection.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.read()
            connection.execute("ROLLBACK")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard line.hasPrefix("locked") else {
            process.terminate()
            throw HTTPClientError("could not lock \(path): \(line)")
        }
        return SQLiteWriteLock(process: process, input: input)
    }

    /// Lets the lock go and waits for the process to end.
    func release() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
