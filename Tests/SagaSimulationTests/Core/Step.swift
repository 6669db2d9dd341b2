import Contracts

/// One thing that can happen next in a schedule. The scheduler offers every step possible in
/// the current state, each with a weight, and the seed's generator picks one.
enum Step {
    /// The broker hands `count` ready messages of `service`'s queue, starting at `index` (0 is the
    /// head; any other is a reordering), to its consumer, which handles them as one batch.
    case deliver(ServiceName, index: Int, count: Int, crashBeforeCommit: Bool)
    /// The consumer acknowledges what it committed.
    case ack(ServiceName)
    /// The relay publishes up to `limit` outbox events, and marks them at once or later.
    case relay(ServiceName, limit: Int, markNow: Bool)
    /// The relay marks what the broker confirmed.
    case mark(ServiceName)
    /// A retry delay passes for the delayed message at `index`.
    case releaseRetry(ServiceName, index: Int)
    /// The broker queues a second copy of the ready message at `index`.
    case duplicate(ServiceName, index: Int)
    case crash(ServiceName)
    case restart(ServiceName)
    /// Customer actions, through the services' real routes.
    case deposit(customer: String, amount: Int)
    case restock(sku: String, quantity: Int)
    case placeOrder(customer: String, lines: [(sku: String, quantity: Int, unitPrice: Int)])
    case cancelOrder(index: Int)
    /// Time passes beyond every saga deadline set so far: order-service's deadline scanner runs.
    case sagaDeadlinesPass
    /// projection-service reads one page (up to `limit` events) of `source`'s feed.
    case projectionCatchUp(ServiceName, limit: Int)
}
