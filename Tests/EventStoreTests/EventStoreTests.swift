import Contracts
import EventSourcing
import EventStore
import Foundation
import Testing

/// A store in a fresh temporary directory, removed afterwards.
func withTemporaryStore<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventstore-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory.appendingPathComponent("store.sqlite").path)
}

let context = EventContext(correlationId: "corr-1", causationId: nil)
let increment = CounterEvent.incremented(Incremented(by: 1))

@Suite struct EventStoreTests {
    @Test func appendedEventsAreLoadedBackInOrder() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { try $0.append([increment, .incremented(Incremented(by: 5))], to: "Counter", id: "c-1", expectedVersion: 0, context: context) }
            let loaded = try await store.read { try $0.load(Counter.self, id: "c-1") }
            #expect(loaded.state.value == 6)
            #expect(loaded.version == 2)
        }
    }

    @Test func twoWritersRacingOnOneVersionOneWinsAndTheOtherConflicts() async throws {
        try await withTemporaryStore { path in
            let first = try EventStoreDatabase(path: path)
            let second = try EventStoreDatabase(path: path)
            try await first.write { try $0.append([increment], to: "Counter", id: "c-1", expectedVersion: 0, context: context) }
            let seenByFirst = try await first.read { try $0.load(Counter.self, id: "c-1") }
            let seenBySecond = try await second.read { try $0.load(Counter.self, id: "c-1") }
            #expect(seenByFirst.version == 1 && seenBySecond.version == 1)

            try await first.write { try $0.append([increment], to: seenByFirst, id: "c-1", context: context) }
            await #expect(throws: EventStoreError.concurrencyConflict(aggregateType: "Counter", aggregateId: "c-1", expectedVersion: 1)) {
                try await second.write { try $0.append([increment], to: seenBySecond, id: "c-1", context: context) }
            }
            let final = try await second.read { try $0.load(Counter.self, id: "c-1") }
            #expect(final.state.value == 2)
        }
    }

    @Test func concurrentCommandsFromTwoWritersAllLandBecauseConflictsAreRetried() async throws {
        try await withTemporaryStore { path in
            let writers = [try EventStoreDatabase(path: path), try EventStoreDatabase(path: path)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    let writer = writers[index % 2]
                    group.addTask {
                        _ = try await writer.execute(Counter.self, id: "c-1", context: { context }, maxAttempts: 100) { _ in [increment] }
                    }
                }
                try await group.waitForAll()
            }
            let final = try await writers[0].read { try $0.load(Counter.self, id: "c-1") }
            #expect(final.state.value == 40)
            #expect(final.version == 40)
        }
    }

    @Test func eventsOutboxAndInboxRollBackTogether() async throws {
        struct Failure: Error {}
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            await #expect(throws: Failure.self) {
                try await store.write { transaction in
                    try transaction.append([increment], to: "Counter", id: "c-1", expectedVersion: 0, context: context)
                    try transaction.recordHandled(eventId: "message-1")
                    throw Failure()
                }
            }
            let (events, outbox, handled) = try await store.read { reader in
                (try reader.events(after: 0, limit: 10).count, try reader.unpublishedCount(), try reader.hasHandled(eventId: "message-1"))
            }
            #expect(events == 0 && outbox == 0 && !handled)
        }
    }

    @Test func eventsOutboxAndInboxCommitTogether() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { transaction in
                try transaction.append([increment], to: "Counter", id: "c-1", expectedVersion: 0, context: context)
                try transaction.recordHandled(eventId: "message-1")
            }
            let (events, outbox, handled) = try await store.read { reader in
                (try reader.events(after: 0, limit: 10).count, try reader.unpublishedCount(), try reader.hasHandled(eventId: "message-1"))
            }
            #expect(events == 1 && outbox == 1 && handled)
        }
    }

    @Test func aSecondInboxRecordOfTheSameEventIsRefused() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { try $0.recordHandled(eventId: "message-1") }
            await #expect(throws: (any Error).self) { try await store.write { try $0.recordHandled(eventId: "message-1") } }
        }
    }

    @Test func aFailedSavepointUndoesOnlyItsOwnChanges() async throws {
        struct Failure: Error {}
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { transaction in
                try transaction.append([increment], to: "Counter", id: "kept", expectedVersion: 0, context: context)
                _ = try? transaction.savepoint {
                    try transaction.append([increment], to: "Counter", id: "undone", expectedVersion: 0, context: context)
                    throw Failure()
                }
            }
            let streams = try await store.read { reader in try reader.events(after: 0, limit: 10).map(\.metadata.aggregateId) }
            #expect(streams == ["kept"])
        }
    }

    @Test func publishedEventsLeaveTheOutbox() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            let stored = try await store.write { try $0.append([increment, increment, increment], to: "Counter", id: "c-1", expectedVersion: 0, context: context) }
            try await store.write { try $0.markPublished(positions: Array(stored.prefix(2).map(\.position))) }
            let pending = try await store.read { try $0.unpublishedEvents(limit: 10) }
            #expect(pending.map(\.position) == [stored[2].position])
        }
    }

    @Test func theFeedPagesThroughEveryEventInCommitOrder() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            for index in 0..<25 {
                try await store.write { try $0.append([increment], to: "Counter", id: "c-\(index % 3)", expectedVersion: index / 3, context: context) }
            }
            var position: Int64 = 0
            var seen: [Int64] = []
            while true {
                let page = try await store.read { [position] in try $0.events(after: position, limit: 7) }
                guard let last = page.last else { break }
                seen += page.map(\.position)
                position = last.position
            }
            #expect(seen.count == 25)
            #expect(seen == seen.sorted())
            #expect(Set(seen).count == 25)
        }
    }

    @Test func anEnvelopeRoundTripsThroughItsJSONBody() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            let stored = try await store.write { try $0.append([increment], to: "Counter", id: "c-1", expectedVersion: 0, context: context) }
            let envelope = try stored[0].envelope()
            let parsed = try EventEnvelope(body: envelope.body)
            #expect(parsed.metadata == envelope.metadata)
            #expect(try parsed.payload(as: Incremented.self) == Incremented(by: 1))
            #expect(parsed.metadata.routingKey == "counter.incremented")
        }
    }
}

@Suite struct TimestampTests {
    @Test func aTimeFormattedParsedAndFormattedAgainKeepsItsText() throws {
        for offset in stride(from: 0.0, to: 5.0, by: 0.0137) {
            let text = Timestamp.format(Date(timeIntervalSince1970: 1_795_000_000 + offset))
            let parsed = try #require(Timestamp.parse(text))
            #expect(Timestamp.format(parsed) == text)
            #expect(Timestamp.parse(Timestamp.format(parsed)) == parsed)
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0.9996)) == "1970-01-01T00:00:01.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_000_000.007)) == "2026-11-18T11:06:40.007Z")
    }
}
