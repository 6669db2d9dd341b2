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

    /// Records the saga's duration in `saga_duration_seconds` once `transaction` commits, when
    /// `events` end it; nothing when they do not, or when the transaction rolls back.
    static func observe(_ order: Order, after events: [OrderEvent], at now: Date, in transaction: StoreTransaction) {
        guard let outcome = outcome(of: order, after: events) else { return }
        let placedAt = order.createdAt
        transaction.afterCommit { SagaMetrics.recordEnd(outcome, placedAt: placedAt, endedAt: now) }
    }
}
