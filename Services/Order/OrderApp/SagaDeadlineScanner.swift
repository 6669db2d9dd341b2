import Contracts
import EventStore
import Foundation
import Logging
import OrderDomain
import ServiceLifecycle

/// Cancels, with reason `timeout`, every order still pending when its saga deadline passes.
/// A saga that ends forgets its deadline in the same transaction (``SagaEnds``); one left behind
/// anyway is just cleared here. It looks every 250 ms, and takes the write lock only when a
/// deadline is due.
struct SagaDeadlineScanner: Service {
    let database: EventStoreDatabase
    let logger: Logger
    var batchSize = 100
    var idleInterval: Duration = .milliseconds(250)

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let expired = try await expireDueSagas(now: Date())
                if !expired.isEmpty {
                    logger.info("Saga deadlines passed; orders cancelled", metadata: ["orders.count": "\(expired.count)"])
                    continue
                }
            } catch {
                logger.error("Could not expire saga deadlines; will retry", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: idleInterval) }
        }
    }

    /// Handles the deadlines due at `now` in one transaction; returns the orders it cancelled.
    func expireDueSagas(now: Date) async throws -> [String] {
        let batchSize = batchSize
        guard try await database.read({ try SagaDeadlines.anyDue(at: now, in: $0) }) else { return [] }
        return try await database.write { transaction in
            var cancelled: [String] = []
            for orderId in try SagaDeadlines.due(at: now, limit: batchSize, in: transaction) {
                let order = try transaction.load(Order.self, id: orderId)
                if order.state.status == .pending {
                    let events = try order.state.cancel(reason: .timeout, now: now)
                    try transaction.append(
                        events, to: order, id: orderId, context: EventContext(correlationId: orderId, causationId: nil, now: now)
                    )
                    try SagaEnds.observe(order.state, id: orderId, after: events, at: now, in: transaction)
                    cancelled.append(orderId)
                }
                try SagaDeadlines.clear(orderId: orderId, in: transaction)
            }
            return cancelled
        }
    }
}
