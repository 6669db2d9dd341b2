import Contracts
import EventSourcing
@testable import EventStore
import Foundation
import GRDB
import InventoryDomain
import Testing

/// A test-only event with three shapes: v1 `{"points"}`, v2 added `bonus` (0 for old rows), v3 renamed `points` to `base`.
struct ScoreRecorded: EventPayload, Equatable {
    static let eventType = "ScoreRecorded"
    static let aggregateType = "Score"
    static let schemaVersion = 3
    var base: Int
    var bonus: Int

    static let upcasters = Upcasters([
        Upcaster(eventType: eventType, fromVersion: 1) { payload in payload["bonus"] = .integer(0) },
        Upcaster(eventType: eventType, fromVersion: 2) { payload in payload["base"] = payload.removeValue(forKey: "points") },
    ])
}

enum ScoreEvent: EventFamily {
    case recorded(ScoreRecorded)
    static let payloadTypes: [any EventPayload.Type] = [ScoreRecorded.self]
    init?(payload: any EventPayload) {
        guard let event = payload as? ScoreRecorded else { return nil }
        self = .recorded(event)
    }
    var payload: any EventPayload {
        switch self {
        case .recorded(let event): event
        }
    }
}

struct Score: Aggregate {
    static let aggregateType = "Score"
    static let initial = Score(total: 0, entries: [])
    var total: Int
    var entries: [ScoreRecorded]
    func evolve(with event: ScoreEvent) -> Score {
        switch event {
        case .recorded(let recorded): Score(total: total + recorded.base + recorded.bonus, entries: entries + [recorded])
        }
    }
}

/// A `ProductRestocked` row exactly as version 1 of the code wrote it: no `reason`.
private let restockedV1 = #"{"available":10,"name":"Widget","quantity":10,"reserved":0,"sku":"SKU-1"}"#

@Suite struct UpcastingTests {
    @Test func aVersion1RestockIsReadAsVersion2WithTheDefaultReasonAndItsRowIsUntouched() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { transaction in
                try insertRawEvent(transaction.db, aggregateType: "Product", id: "SKU-1", version: 1,
                                   eventType: "ProductRestocked", schemaVersion: 1, payload: restockedV1)
            }
            let (product, events) = try await store.read { reader in
                (try reader.load(Product.self, id: "SKU-1"), try reader.events(of: "Product", id: "SKU-1"))
            }
            #expect(product.state.exists && product.state.available == 10 && product.state.name == "Widget")
            #expect(try events[0].decode(as: ProductEvent.self) == .restocked(ProductRestocked(
                sku: "SKU-1", name: "Widget", quantity: 10, available: 10, reserved: 0, reason: .delivery
            )))
            let rows = try await store.read { try rawRows($0.db, aggregateType: "Product", id: "SKU-1") }
            #expect(rows.count == 1)
            #expect(rows[0].schemaVersion == 1)
            #expect(rows[0].payload == restockedV1)
        }
    }

    @Test func aStreamMixingVersion1And2RestocksLoadsAndAcceptsNewCommands() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { transaction in
                try insertRawEvent(transaction.db, aggregateType: "Product", id: "SKU-1", version: 1,
                                   eventType: "ProductRestocked", schemaVersion: 1, payload: restockedV1)
            }
            let context = EventContext(correlationId: "SKU-1", causationId: nil)
            let product = try await store.execute(Product.self, id: "SKU-1", context: { context }) {
                try $0.restock(sku: "SKU-1", quantity: 5, name: nil, reason: .customerReturn)
            }
            #expect(product.state.available == 15 && product.version == 2)
            let rows = try await store.read { try rawRows($0.db, aggregateType: "Product", id: "SKU-1") }
            #expect(rows.map(\.schemaVersion) == [1, 2])
            #expect(rows[1].payload.contains(#""reason":"customer_return""#))
            let reloaded = try await store.read { try $0.load(Product.self, id: "SKU-1") }
            #expect(reloaded.state == product.state)
        }
    }

    @Test func upcastersChainFromVersion1ThroughVersion3OnRead() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path, upcasters: Upcasters.contracts.merging(ScoreRecorded.upcasters))
            let written = [#"{"points":5}"#, #"{"bonus":2,"points":7}"#, #"{"base":1,"bonus":1}"#]
            try await store.write { transaction in
                for (index, payload) in written.enumerated() {
                    try insertRawEvent(transaction.db, aggregateType: "Score", id: "s-1", version: index + 1,
                                       eventType: "ScoreRecorded", schemaVersion: index + 1, payload: payload)
                }
            }
            let score = try await store.read { try $0.load(Score.self, id: "s-1") }
            #expect(score.state.entries == [ScoreRecorded(base: 5, bonus: 0), ScoreRecorded(base: 7, bonus: 2), ScoreRecorded(base: 1, bonus: 1)])
            #expect(score.state.total == 16)
            let rows = try await store.read { try rawRows($0.db, aggregateType: "Score", id: "s-1") }
            #expect(rows.map(\.schemaVersion) == [1, 2, 3])
            #expect(rows.map(\.payload) == written)
        }
    }

    @Test func aMissingStepInTheChainIsAnErrorNotASkip() async throws {
        try await withTemporaryStore { path in
            // Only the 2 → 3 step: a version 1 row cannot be brought up to date.
            let store = try EventStoreDatabase(path: path, upcasters: Upcasters([
                Upcaster(eventType: "ScoreRecorded", fromVersion: 2) { payload in payload["base"] = payload.removeValue(forKey: "points") },
            ]))
            try await store.write { transaction in
                try insertRawEvent(transaction.db, aggregateType: "Score", id: "s-1", version: 1,
                                   eventType: "ScoreRecorded", schemaVersion: 1, payload: #"{"points":5}"#)
            }
            await #expect(throws: UpcastingError.missingStep(eventType: "ScoreRecorded", fromVersion: 1)) {
                try await store.read { try $0.load(Score.self, id: "s-1") }
            }
        }
    }

    @Test func anEventStoredByANewerVersionOfTheCodeIsRefusedNotMisread() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { transaction in
                try insertRawEvent(transaction.db, aggregateType: "Product", id: "SKU-1", version: 1, eventType: "ProductRestocked",
                                   schemaVersion: ProductRestocked.schemaVersion + 1, payload: restockedV1)
            }
            await #expect(throws: UpcastingError.newerThanKnown(eventType: "ProductRestocked", stored: 3, known: 2)) {
                try await store.read { try $0.load(Product.self, id: "SKU-1") }
            }
        }
    }

    @Test func theFeedCarriesTheStoredBodyAndAConsumerUpcastsIt() async throws {
        try await withTemporaryStore { path in
            let store = try EventStoreDatabase(path: path)
            try await store.write { transaction in
                try insertRawEvent(transaction.db, aggregateType: "Product", id: "SKU-1", version: 1,
                                   eventType: "ProductRestocked", schemaVersion: 1, payload: restockedV1)
            }
            let fed = try #require(try await store.read { try $0.events(after: 0, limit: 10) }.first)
            let envelope = try EventEnvelope(body: fed.envelope(includePosition: true).body)
            #expect(envelope.metadata.schemaVersion == 1)
            #expect(!String(decoding: envelope.body, as: UTF8.self).contains("reason"))
            let restocked = try envelope.payload(as: ProductRestocked.self)
            #expect(restocked.reason == .delivery)
            #expect(restocked.available == 10)
        }
    }

    @Test func aConsumerReadsAPayloadOfANewerVersionTolerantly() throws {
        let metadata = EventMetadata(
            eventId: "e-1", eventType: "ProductRestocked", schemaVersion: 3, aggregateType: "Product", aggregateId: "SKU-1",
            aggregateVersion: 1, occurredAt: Date(timeIntervalSince1970: 0), correlationId: "SKU-1", causationId: nil
        )
        let payload = #"{"available":10,"name":"Widget","quantity":10,"reason":"delivery","reserved":0,"sku":"SKU-1","supplier":"ACME"}"#
        let envelope = try EventEnvelope(metadata: metadata, payloadJSON: Data(payload.utf8))
        #expect(try envelope.payload(as: ProductRestocked.self).available == 10)
    }
}
