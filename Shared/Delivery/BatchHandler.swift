import Messaging

/// What a consumer does with one batch of its queue (``QueueConsumer``): apply it, commit what
/// it changed, and say what became of each delivery. Acking, forwarding failures and guarding
/// redeliveries are the consumer's.
public protocol BatchHandler: Sendable {
    /// Handles `batch` and commits its effects.
    /// - Returns: one settlement per delivery, in the batch's order.
    /// - Throws: when nothing of the batch could be committed (the store failed): the consumer
    ///   then waits and requeues the whole batch.
    func handle(_ batch: [Delivery]) async throws -> [DeliverySettlement]

    /// Runs each time consuming (re)starts on a new connection.
    func consumingStarted()
}

extension BatchHandler {
    public func consumingStarted() {}
}

/// What the consumer does with one delivery once its batch was handled.
public enum DeliverySettlement: Sendable, Equatable {
    /// Acked and counted in `messages_handled_total`.
    case handled
    /// Acked and counted in `messages_duplicate_total`: it changed nothing.
    case duplicate
    /// Acked, counted by the handler if at all (the projection's deferred deliveries).
    case acked
    /// Sent on to a delay queue, or parked when `malformed` or out of attempts, then acked.
    case failed(reason: String, malformed: Bool)
}
