import Synchronization

/// The deliveries of one consumer, buffered by the connection thread and taken out in batches.
///
/// At most `prefetch` unacknowledged deliveries are buffered or in the consumer's hands at once.
/// Settle each with `AMQPConnection.ack(_:multiple:)` or `reject(_:requeue:)`. When the connection
/// closes or is lost, buffered deliveries are dropped (the broker redelivers them) and `next`
/// returns nil.
///
/// ```swift
/// let batches = try await connection.consume(queue: "payment-service", prefetch: 50)
/// while let batch = await batches.next(max: 50) {
///     try handle(batch)  // e.g. one database transaction for the whole batch
///     connection.ack(batch.last!.deliveryTag, multiple: true)
/// }
/// // nil: the connection ended; see `connection.waitUntilClosed()` for why.
/// ```
public final class DeliveryBatches: Sendable {
    private struct Waiter {
        let id: UInt64
        let max: Int
        let continuation: CheckedContinuation<[Delivery]?, Never>
    }

    private struct State {
        var buffer: [Delivery] = []
        var waiters: [Waiter] = []
        var isFinished = false
        var nextWaiterID: UInt64 = 0

        mutating func take(_ max: Int) -> [Delivery] {
            let count = Swift.min(max, buffer.count)
            defer { buffer.removeFirst(count) }
            return Array(buffer.prefix(count))
        }
    }

    /// The queue consumed.
    public let queue: String
    private let state = Mutex(State())

    init(queue: String) {
        self.queue = queue
    }

    /// Returns the buffered deliveries, at most `max` and at least one, suspending while none are
    /// buffered. Returns nil once the connection has ended, or when the calling task is cancelled.
    /// `max` must be positive.
    public func next(max: Int) async -> [Delivery]? {
        precondition(max > 0, "max must be positive")
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> [Delivery]?? in
                    if !state.buffer.isEmpty { return .some(state.take(max)) }
                    if state.isFinished || Task.isCancelled { return .some(nil) }
                    state.waiters.append(Waiter(id: id, max: max, continuation: continuation))
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(returning: nil)
        }
    }

    /// The buffered deliveries, at most `max`, without waiting: none when nothing is buffered.
    public func takeBuffered(max: Int) -> [Delivery] {
        state.withLock { $0.take(max) }
    }

    /// Called by the connection thread with newly arrived deliveries.
    func append(_ deliveries: [Delivery]) {
        let handOuts = state.withLock { state -> [(Waiter, [Delivery])] in
            guard !state.isFinished else { return [] }
            state.buffer.append(contentsOf: deliveries)
            var handOuts: [(Waiter, [Delivery])] = []
            while !state.buffer.isEmpty, !state.waiters.isEmpty {
                let waiter = state.waiters.removeFirst()
                handOuts.append((waiter, state.take(waiter.max)))
            }
            return handOuts
        }
        for (waiter, batch) in handOuts { waiter.continuation.resume(returning: batch) }
    }

    /// Called by the connection thread when the connection ends: drops the buffer, ends `next`.
    func finish() {
        let waiters = state.withLock { state in
            state.isFinished = true
            state.buffer.removeAll()
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }
}
