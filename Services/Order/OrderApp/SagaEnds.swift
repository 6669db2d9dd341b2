import EventStore
import Foundation
import OrderDomain
import ServiceKit

/// Where order-service sees a saga end: a pending order confirmed or cancelled.
enum SagaEnds {
    /// How `events` end the saga of `order`, or `nil` when they do not (it was not pending).
    static func outcome(of order: Order, after events: [OrderEvent]) -> SagaMetrics.Outcome? {
        guard order.status == .pending else { return nil }
        for event in events {
            switch event {
            case .confirmed: return .confirmed
            case .cancelled: return .cancelled
            case .placed: continue
            }
        }
        return nil
    }

    /// When `events` end the saga of `order` (its id `orderId`): forgets its deadline and records
    /// the saga's duration in `saga_duration_seconds` once `transaction` commits. Nothing when they
    /// do not end it; nothing recorded when the transaction rolls back.
    static func observe(
        _ order: Order, id orderId: String, after events: [OrderEvent], at now: Date, in transaction: StoreTransaction
    ) throws {
        guard let outcome = outcome(of: order, after: events) else { return }
        try SagaDeadlines.clear(orderId: orderId, in: transaction)
        let placedAt = order.createdAt
        transaction.afterCommit { SagaMetrics.recordEnd(outcome, placedAt: placedAt, endedAt: now) }
    }
}
