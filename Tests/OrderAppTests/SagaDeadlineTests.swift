import AppTestSupport
import Foundation
import HummingbirdTesting
import Logging
@testable import OrderApp
import Testing

/// The saga deadline: an order still PENDING when its deadline passes is cancelled with reason
/// `timeout`; one that finished in time only has its deadline cleared. The scanner is given the
/// instant to act at, so no test waits for a clock.
@Suite struct SagaDeadlineTests {
    private static let afterEveryDeadline = Date().addingTimeInterval(3600)

    private func scanner(_ service: OrderService) -> SagaDeadlineScanner {
        SagaDeadlineScanner(database: service.store, logger: Logger(label: "test"))
    }

    @Test func aPendingOrderPastItsDeadlineIsCancelledAsTimeout() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            let expired = try await scanner(service).expireDueSagas(now: Self.afterEveryDeadline)

            #expect(expired == [orderId])
            let order = try await service.client.get("/orders/\(orderId)")
            #expect(order.json["status"].string == "CANCELLED")
            #expect(order.json["cancellationReason"].string == "timeout")
            let cancelled = try #require(try await service.outbox().last)
            #expect(cancelled.metadata.eventType == "OrderCancelled")
            #expect(cancelled.metadata.causationId == nil)
        }
    }

    @Test func anOrderWhoseDeadlineHasNotPassedIsLeftAlone() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            let expired = try await scanner(service).expireDueSagas(now: Date().addingTimeInterval(-60))

            #expect(expired.isEmpty)
            #expect(try await service.client.get("/orders/\(orderId)").json["status"].string == "PENDING")
        }
    }

    @Test func anOrderCancelledInTimeIsNotCancelledAgainAndItsDeadlineIsCleared() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()
            _ = try await service.client.post("/orders/\(orderId)/cancel")

            let first = try await scanner(service).expireDueSagas(now: Self.afterEveryDeadline)
            let second = try await scanner(service).expireDueSagas(now: Self.afterEveryDeadline)

            #expect(first.isEmpty && second.isEmpty)
            let order = try await service.client.get("/orders/\(orderId)")
            #expect(order.json["cancellationReason"].string == "customer_request")
            #expect(order.json["version"].int == 2)
        }
    }

    @Test func eachDeadlineFiresOnce() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            let first = try await scanner(service).expireDueSagas(now: Self.afterEveryDeadline)
            let second = try await scanner(service).expireDueSagas(now: Self.afterEveryDeadline)

            #expect(first == [orderId])
            #expect(second.isEmpty)
            #expect(try await service.outbox().map(\.metadata.eventType) == ["OrderPlaced", "OrderCancelled"])
        }
    }

    @Test func theScannerTakesAtMostOneBatchPerRunAndTheRestOnTheNext() async throws {
        try await OrderService.run { service in
            var placed: [String] = []
            for _ in 0..<3 { placed.append(try await service.place()) }
            var limited = scanner(service)
            limited.batchSize = 2

            let first = try await limited.expireDueSagas(now: Self.afterEveryDeadline)
            let second = try await limited.expireDueSagas(now: Self.afterEveryDeadline)

            #expect(first.count == 2)
            #expect(Set(first + second) == Set(placed))
        }
    }
}
