import Delivery
import EventStore
import Foundation
import Metrics
import Synchronization

/// The gauges an operator alerts on, brought up to date on every scrape of `/metrics` (no
/// background task): the outbox backlog and the age of its oldest row, the consumer lag (ready
/// messages in the service's queue) and the parked messages.
///
/// A part that cannot be read right now (store busy, broker away) keeps its last value; the
/// scrape is never held up for more than a second by the broker.
struct AlertGauges: Sendable {
    let tables: DeliveryTables
    /// The event store whose outbox is watched; `nil` for a service with no outbox.
    let outbox: EventStoreDatabase?
    /// The consuming connection: unlike a publishing one, the broker never blocks it under an alarm.
    let consuming: ManagedConnection
    let queue: String
    private let outboxPending = Gauge(label: "outbox_pending")
    private let outboxOldestAge = Gauge(label: "outbox_oldest_pending_age_seconds")
    private let consumerLag: Gauge
    private let parked = Gauge(label: "dead_letters_parked")

    init(tables: DeliveryTables, outbox: EventStoreDatabase?, consuming: ManagedConnection, queue: String) {
        self.tables = tables
        self.outbox = outbox
        self.consuming = consuming
        self.queue = queue
        consumerLag = Gauge(label: "consumer_lag_messages", dimensions: [("queue", queue)])
    }

    /// Reads the store and the broker and records what they say.
    func refresh(now: Date = Date()) async {
        if let outbox, let backlog = try? await outbox.read({ try $0.outboxBacklog() }) {
            outboxPending.record(backlog.pending)
            outboxOldestAge.record(backlog.oldestAppendedAt.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        }
        if let count = try? await ParkedMessageStore(tables).count() { parked.record(count) }
        if let ready = await readyMessages() { consumerLag.record(ready) }
    }

    /// The ready messages of the service's queue, or `nil` when the broker does not answer within a second.
    private func readyMessages() async -> Int? {
        guard consuming.isConnected else { return nil }
        let consuming = consuming
        let queue = queue
        return await withCheckedContinuation { continuation in
            let answer = FirstAnswer(continuation)
            Task { answer.give(try? await Int(consuming.connection().queueMessageCount(queue: queue))) }
            Task {
                try? await Task.sleep(for: .seconds(1))
                answer.give(nil)
            }
        }
    }
}

/// Resumes a continuation with the first value given; later ones are dropped.
private final class FirstAnswer: Sendable {
    private let continuation: Mutex<CheckedContinuation<Int?, Never>?>

    init(_ continuation: CheckedContinuation<Int?, Never>) {
        self.continuation = Mutex(continuation)
    }

    func give(_ value: Int?) {
        continuation.withLock { pending in
            let taken = pending
            pending = nil
            return taken
        }?.resume(returning: value)
    }
}
