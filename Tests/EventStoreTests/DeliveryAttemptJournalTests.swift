import EventStore
import Foundation
import Testing

@Suite struct DeliveryAttemptJournalTests {
    @Test func attemptsAreCountedPerMessageAndSurviveReopeningTheStore() async throws {
        try await withTemporaryStore { path in
            let first = try EventStoreDatabase(path: path)
            #expect(try await first.write { try $0.journalDeliveryAttempt(messageId: "m-1") } == 1)
            #expect(try await first.write { try $0.journalDeliveryAttempt(messageId: "m-1") } == 2)
            #expect(try await first.write { try $0.journalDeliveryAttempt(messageId: "m-2") } == 1)

            // What a process that dies after the commit leaves: a new process opens the file afresh.
            let restarted = try EventStoreDatabase(path: path)
            #expect(try await restarted.read { try $0.deliveryAttempts(messageId: "m-1") } == 2)
            #expect(try await restarted.write { try $0.journalDeliveryAttempt(messageId: "m-1") } == 3)
            #expect(try await restarted.read { try $0.deliveryAttempts(messageId: "m-2") } == 1)
        }
    }

    @Test func aForgottenMessageStartsCountingAgainAndOthersKeepTheirCount() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            _ = try await store.write { try $0.journalDeliveryAttempt(messageId: "m-1") }
            _ = try await store.write { try $0.journalDeliveryAttempt(messageId: "m-2") }
            try await store.write { try $0.forgetDeliveryAttempts(messageId: "m-1") }
            #expect(try await store.read { try $0.deliveryAttempts(messageId: "m-1") } == 0)
            #expect(try await store.read { try $0.deliveryAttempts(messageId: "m-2") } == 1)
            #expect(try await store.write { try $0.journalDeliveryAttempt(messageId: "m-1") } == 1)
        }
    }

    @Test func pruningForgetsOnlyRowsLastTouchedBeforeTheCutoff() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            let old = Date(timeIntervalSince1970: 1_000_000)
            _ = try await store.write { try $0.journalDeliveryAttempt(messageId: "old", at: old) }
            _ = try await store.write { try $0.journalDeliveryAttempt(messageId: "recent") }
            try await store.write { try $0.pruneDeliveryAttempts(before: old.addingTimeInterval(60)) }
            #expect(try await store.read { try $0.deliveryAttempts(messageId: "old") } == 0)
            #expect(try await store.read { try $0.deliveryAttempts(messageId: "recent") } == 1)
        }
    }
}

@Suite struct OutboxSetAsideTests {
    @Test func aSetAsideEventIsSkippedByTheRelayListedWithItsReasonAndRetriedInItsPlace() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            let stored = try await store.write { transaction in
                try (1...3).flatMap { _ in
                    try transaction.append([increment], to: "Counter", id: "c-\(UUID().uuidString)", expectedVersion: 0, context: context)
                }
            }
            let positions = stored.map(\.position)
            try await store.write { try $0.setAside(position: positions[1], reason: "too long") }

            #expect(try await store.read { try $0.unpublishedEvents(limit: 10) }.map(\.position) == [positions[0], positions[2]])
            #expect(try await store.read { try $0.unpublishedCount() } == 2)
            let listed = try await store.read { try $0.setAsideEvents() }
            #expect(listed.map(\.event.position) == [positions[1]])
            #expect(listed.first?.reason == "too long")
            #expect(listed.first?.event.metadata.eventId == stored[1].metadata.eventId)
            #expect(try await store.read { try $0.setAsideCount() } == 1)

            #expect(try await store.write { try $0.retrySetAside(position: positions[1]) })
            #expect(try await store.read { try $0.unpublishedEvents(limit: 10) }.map(\.position) == positions)
            #expect(try await store.read { try $0.setAsideCount() } == 0)
            #expect(try await store.write { try $0.retrySetAside(position: positions[1]) } == false, "nothing set aside there any more")
        }
    }

    @Test func aPublishedEventCannotBeSetAside() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            let stored = try await store.write { try $0.append([increment], to: "Counter", id: "c-1", expectedVersion: 0, context: context) }
            try await store.write { try $0.markPublished(positions: stored.map(\.position)) }
            try await store.write { try $0.setAside(position: stored[0].position, reason: "late") }
            #expect(try await store.read { try $0.setAsideCount() } == 0)
        }
    }
}
