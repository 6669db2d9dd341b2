import Delivery
import EventStore
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Writes to the store now and then (``DeliveryTables/probe(at:)``), so that a disk that filled
/// up is noticed before a request fails, and one that has room again is noticed without any
/// traffic: `/ready` follows ``StoreHealth``.
///
/// Every `interval` while the store is writable; while it is not, with capped exponential
/// backoff from `interval / 10`. Logs once when the store becomes unavailable and once when it
/// recovers.
public struct StoreProbe: Service {
    let tables: DeliveryTables
    let interval: Duration
    let logger: Logger
    private let failures = Counter(label: "store_write_failures_total")
    private let unavailable = Gauge(label: "store_unavailable")

    public init(tables: DeliveryTables, interval: Duration = .seconds(2), logger: Logger) {
        self.tables = tables
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let backoff = Backoff(initial: interval / 10, maximum: interval)
        var wasWritable = true
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var delay = interval
            do {
                try await tables.probe()
                backoff.reset()
            } catch {
                failures.increment()
                delay = backoff.next()
                if wasWritable { logger.warning("The store cannot be written", metadata: ["error": "\(error)"]) }
            }
            let writable = tables.health.isWritable
            if writable, !wasWritable { logger.info("The store can be written again") }
            unavailable.record(writable ? 0 : 1)
            wasWritable = writable
            let pause = delay
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }
}
