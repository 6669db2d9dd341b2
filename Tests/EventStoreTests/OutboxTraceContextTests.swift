import EventStore
import Foundation
import Testing

/// The outbox keeps the trace context an event was appended under, for the relay's publish span,
/// and says how far the relay is behind.
@Suite struct OutboxTraceContextTests {
    let traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func anEventAppendedUnderATraceContextKeepsItInTheOutbox() async throws {
        try await withTemporaryStore { path in
            let store = try AppDatabase(path: path)
            try await EventTraceContext.$current.withValue(traceParent) {
                _ = try await store.write { try $0.append([increment], to: "Counter", id: "traced", expectedVersion: 0, context: context) }
            }
            _ = try await store.write { try $0.append([increment], to: "Counter", id: "untraced", expectedVersion: 0, context: context) }
            let pending = try await store.read { try $0.unpublishedEvents(limit: 10) }
            #expect(pending.map(\.metadata.aggregateId) == ["traced", "untraced"])
            #expect(pending.map(\.traceParent) == [traceParent, nil])
        }
    }

    @Test func aTransactionCanAppendUnderItsOwnTraceContext() async throws {
        try await withTemporaryStore { path in
            let store = try AppDatabase(path: path)
            let traceParent = traceParent
            _ = try await store.write { transaction in
                try transaction.tracing(traceParent).append([increment], to: "Counter", id: "a", expectedVersion: 0, context: context)
                try transaction.append([increment], to: "Counter", id: "b", expectedVersion: 0, context: context)
            }
            let pending = try await store.read { try $0.unpublishedEvents(limit: 10) }
            #expect(pending.map(\.traceParent) == [traceParent, nil])
        }
    }

    @Test func theBacklogCountsWhatWaitsAndDatesItsOldestRow() async throws {
        try await withTemporaryStore { path in
            let store = try AppDatabase(path: path)
            #expect(try await store.read { try $0.outboxBacklog() } == OutboxBacklog(pending: 0, oldestAppendedAt: nil))
            let first = EventContext(correlationId: "corr-1", causationId: nil, now: Date(timeIntervalSince1970: 1_000_000))
            let later = EventContext(correlationId: "corr-1", causationId: nil, now: Date(timeIntervalSince1970: 2_000_000))
            let stored = try await store.write { transaction in
                try transaction.append([increment], to: "Counter", id: "old", expectedVersion: 0, context: first)
                    + transaction.append([increment], to: "Counter", id: "new", expectedVersion: 0, context: later)
            }
            #expect(try await store.read { try $0.outboxBacklog() } == OutboxBacklog(pending: 2, oldestAppendedAt: first.now))
            try await store.write { try $0.markPublished(positions: [stored[0].position]) }
            #expect(try await store.read { try $0.outboxBacklog() } == OutboxBacklog(pending: 1, oldestAppendedAt: later.now))
            try await store.write { try $0.markPublished(positions: [stored[1].position]) }
            #expect(try await store.read { try $0.outboxBacklog() } == OutboxBacklog(pending: 0, oldestAppendedAt: nil))
        }
    }
}
