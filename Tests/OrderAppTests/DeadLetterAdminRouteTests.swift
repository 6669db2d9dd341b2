import AppTestSupport
import Contracts
import EventStore
import Foundation
import HummingbirdTesting
import Messaging
@testable import Delivery
import ServiceKit
import Testing

/// `/admin/dead-letters` on an empty and on a seeded table of parked messages: listing with
/// filters and cursors, delete by id and by filter, and the bulk operations' guard. (Replaying
/// a message needs the broker: the scenario suite shows it; here only what is decided before.)
@Suite struct DeadLetterAdminRouteTests {
    private static let policy = RetryPolicy(service: .order, delays: [200, 1000], maxAttempts: 3)

    /// Parks, as the dead-letter keeper would, a message that failed its last attempt.
    private func park(_ service: OrderService, eventType: String, source: String = "payment-service", reason: String, malformed: Bool, at parkedAt: Date) async throws -> String {
        let messageId = UUID().uuidString.lowercased()
        var original = Deliveries.make(body: Data(#"{"not": "an envelope"}"#.utf8), exchange: "payments", routingKey: "payment.declined", messageId: messageId, attempt: 3)
        original.properties.type = eventType
        original.properties.appId = source
        let parked = Self.policy.followUp(for: original, attempt: 3, reason: reason, malformed: malformed, now: parkedAt)
        let delivery = Delivery(deliveryTag: 1, exchange: parked.exchange, routingKey: parked.routingKey, redelivered: false,
                                body: Data(parked.body), properties: parked.properties)
        _ = try await ParkedMessageStore(database: service.store).park([ParkedMessageRecord(delivery)])
        return messageId
    }

    private static let day = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anEmptyTableListsNothingAndHasNoNextCursor() async throws {
        try await OrderService.run { service in
            let response = try await service.client.get("/admin/dead-letters", headers: .admin)

            #expect(response.status == .ok)
            #expect(response.json["deadLetters"].count == 0)
            #expect(response.json["total"].int == 0)
            #expect(response.json["limit"].int == 50)
            #expect(!response.json["nextCursor"].exists || response.json["nextCursor"].isNull)
        }
    }

    @Test func aParkedMessageIsListedWithWhyAndFromWhere() async throws {
        try await OrderService.run { service in
            let id = try await park(service, eventType: "PaymentDeclined", reason: "boom", malformed: false, at: Self.day)

            let item = try await service.client.get("/admin/dead-letters", headers: .admin).json["deadLetters"][0]

            #expect(item["id"].string == id)
            #expect(item["eventType"].string == "PaymentDeclined")
            #expect(item["source"].string == "payment-service")
            #expect(item["reason"].string == "max_attempts_exceeded")
            #expect(item["error"].string == "boom")
            #expect(item["attempts"].int == 3)
            #expect(item["originalExchange"].string == "payments")
            #expect(item["originalRoutingKey"].string == "payment.declined")
            #expect(item["parkedAt"].string == Timestamp.format(Self.day))
            #expect(item["body"].string == #"{"not": "an envelope"}"#)
        }
    }

    @Test func pagesFollowTheCursorOldestFirstUntilNoneIsLeft() async throws {
        try await OrderService.run { service in
            var parked: [String] = []
            for minute in 0..<5 {
                parked.append(try await park(service, eventType: "PaymentDeclined", reason: "r", malformed: false, at: Self.day.addingTimeInterval(Double(minute) * 60)))
            }

            var listed: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await service.client.get("/admin/dead-letters?\(query)", headers: .admin)
                #expect(page.json["total"].int == 5, "the total is on every page")
                listed += page.json["deadLetters"].array?.compactMap { $0["id"].string } ?? []
                cursor = page.json["nextCursor"].string
                pages += 1
            } while cursor != nil && pages < 10

            #expect(listed == parked)
            #expect(pages == 3)
        }
    }

    @Test func filtersNarrowTheListingAndItsTotal() async throws {
        try await OrderService.run { service in
            let declined = try await park(service, eventType: "PaymentDeclined", reason: "r", malformed: false, at: Self.day)
            let malformed = try await park(service, eventType: "InventoryReserved", source: "inventory-service", reason: "bad", malformed: true, at: Self.day.addingTimeInterval(3600))

            func ids(_ query: String) async throws -> [String] {
                try await service.client.get("/admin/dead-letters?\(query)", headers: .admin).json["deadLetters"].array?.compactMap { $0["id"].string } ?? []
            }
            #expect(try await ids("eventType=PaymentDeclined") == [declined])
            #expect(try await ids("reason=malformed") == [malformed])
            #expect(try await ids("source=inventory-service") == [malformed])
            #expect(try await ids("parkedAfter=\(Timestamp.format(Self.day.addingTimeInterval(1)))") == [malformed])
            #expect(try await ids("parkedBefore=\(Timestamp.format(Self.day.addingTimeInterval(1)))") == [declined])
            #expect(try await ids("eventType=OrderPlaced").isEmpty)
            #expect(try await service.client.get("/admin/dead-letters?reason=malformed", headers: .admin).json["total"].int == 1)
        }
    }

    @Test(arguments: [
        ("cursor=not-a-cursor", "invalid_cursor"),
        ("limit=0", "invalid_parameter"),
        ("limit=501", "invalid_parameter"),
        ("parkedAfter=yesterday", "invalid_parameter"),
        ("parkedBefore=2026-13-01T00:00:00Z", "invalid_parameter"),
        ("eventType=", "invalid_parameter"),
        ("source=\(String(repeating: "s", count: 256))", "invalid_parameter"),
    ])
    func aBadListingParameterIs400(_ query: String, _ code: String) async throws {
        try await OrderService.run { service in
            expectContractError(try await service.client.get("/admin/dead-letters?\(query)", headers: .admin), .badRequest, code: code)
        }
    }

    @Test func deletingAParkedMessageRemovesItAndASecondDeleteIs404() async throws {
        try await OrderService.run { service in
            let id = try await park(service, eventType: "PaymentDeclined", reason: "r", malformed: false, at: Self.day)

            let deleted = try await service.client.delete("/admin/dead-letters/\(id)", headers: .admin)
            #expect(deleted.status == .ok)
            #expect(deleted.json["id"].string == id)
            #expect(deleted.json["status"].string == "deleted")
            #expect(try await service.client.get("/admin/dead-letters", headers: .admin).json["total"].int == 0)
            expectContractError(try await service.client.delete("/admin/dead-letters/\(id)", headers: .admin), .notFound, code: "not_found")
        }
    }

    @Test func replayingAnUnknownMessageIs404() async throws {
        try await OrderService.run { service in
            expectContractError(try await service.client.post("/admin/dead-letters/no-such-id/replay", headers: .admin), .notFound, code: "not_found")
        }
    }

    @Test func bulkOperationsNeedAFilterOrAllTrue() async throws {
        try await OrderService.run { service in
            _ = try await park(service, eventType: "PaymentDeclined", reason: "r", malformed: false, at: Self.day)

            expectContractError(try await service.client.delete("/admin/dead-letters", headers: .admin), .badRequest, code: "filter_required")
            expectContractError(try await service.client.post("/admin/dead-letters/replay", headers: .admin), .badRequest, code: "filter_required")
            expectContractError(try await service.client.delete("/admin/dead-letters?all=yes", headers: .admin), .badRequest, code: "invalid_parameter")
            expectContractError(try await service.client.delete("/admin/dead-letters?all=false", headers: .admin), .badRequest, code: "filter_required")
            #expect(try await service.client.get("/admin/dead-letters", headers: .admin).json["total"].int == 1, "nothing was taken")
        }
    }

    @Test func aBulkDeleteTakesWhatMatchesItsFilterOnly() async throws {
        try await OrderService.run { service in
            _ = try await park(service, eventType: "PaymentDeclined", reason: "r", malformed: false, at: Self.day)
            let kept = try await park(service, eventType: "InventoryReserved", reason: "r", malformed: true, at: Self.day)

            let response = try await service.client.delete("/admin/dead-letters?eventType=PaymentDeclined", headers: .admin)

            #expect(response.status == .ok)
            #expect(response.json["deleted"].int == 1)
            let left = try await service.client.get("/admin/dead-letters", headers: .admin).json["deadLetters"]
            #expect(left.array?.compactMap { $0["id"].string } == [kept])
        }
    }

    @Test func deletingEverythingNeedsAllTrue() async throws {
        try await OrderService.run { service in
            for _ in 0..<3 { _ = try await park(service, eventType: "PaymentDeclined", reason: "r", malformed: false, at: Self.day) }

            let response = try await service.client.delete("/admin/dead-letters?all=true", headers: .admin)

            #expect(response.json["deleted"].int == 3)
            #expect(try await service.client.get("/admin/dead-letters", headers: .admin).json["total"].int == 0)
        }
    }

    @Test func aBulkReplayThatMatchesNothingReplaysNothingWithoutTheBroker() async throws {
        try await OrderService.run { service in
            _ = try await park(service, eventType: "PaymentDeclined", reason: "r", malformed: false, at: Self.day)

            let response = try await service.client.post("/admin/dead-letters/replay?eventType=OrderPlaced", headers: .admin)

            #expect(response.status == .accepted)
            #expect(response.json["replayed"].int == 0)
            #expect(try await service.client.get("/admin/dead-letters", headers: .admin).json["total"].int == 1)
        }
    }
}
