import AppTestSupport
import Contracts
import Foundation
@testable import ProjectionApp
import HummingbirdTesting
import Testing

/// `GET /orders?status=&customerId=&limit=&cursor=`, `/customers/{id}`, `/products` and `/stats`.
@Suite struct ReadModelListingRouteTests {
    /// Five orders, o-1 oldest: o-1 and o-2 confirmed (c-1), o-3 pending (c-2), o-4 cancelled (c-1), o-5 pending (c-1).
    /// - Returns: the feeds, to go on writing them.
    @discardableResult
    private func fiveOrders(_ service: ProjectionService) async throws -> Feeds {
        var feeds = Feeds()
        var events = try feeds.confirmedSaga("o-1") + feeds.confirmedSaga("o-2")
        events.append(try feeds.placed("o-3", customerId: "c-2"))
        events.append(try feeds.placed("o-4"))
        events.append(try feeds.cancelled("o-4", reason: .customerRequest))
        events.append(try feeds.placed("o-5"))
        try await service.apply(events)
        return feeds
    }

    private func ids(_ service: ProjectionService, _ query: String) async throws -> [String] {
        try await service.client.get("/orders?\(query)").json["orders"].array?.compactMap { $0["orderId"].string } ?? []
    }

    @Test func ordersAreListedNewestFirst() async throws {
        try await ProjectionService.run { service in
            try await fiveOrders(service)

            let response = try await service.client.get("/orders")

            #expect(response.status == .ok)
            #expect(try await ids(service, "") == ["o-5", "o-4", "o-3", "o-2", "o-1"])
            #expect(response.json["nextCursor"].isNull || !response.json["nextCursor"].exists)
        }
    }

    @Test func statusAndCustomerFiltersCombine() async throws {
        try await ProjectionService.run { service in
            try await fiveOrders(service)

            #expect(try await ids(service, "status=CONFIRMED") == ["o-2", "o-1"])
            #expect(try await ids(service, "status=PENDING") == ["o-5", "o-3"])
            #expect(try await ids(service, "customerId=c-2") == ["o-3"])
            #expect(try await ids(service, "status=PENDING&customerId=c-1") == ["o-5"])
            #expect(try await ids(service, "customerId=nobody").isEmpty)
        }
    }

    @Test func pagesFollowTheCursorWithoutRepeatsOrGaps() async throws {
        try await ProjectionService.run { service in
            try await fiveOrders(service)

            var listed: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await service.client.get("/orders?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
                listed += page.json["orders"].array?.compactMap { $0["orderId"].string } ?? []
                cursor = page.json["nextCursor"].string
                pages += 1
            } while cursor != nil && pages < 10

            #expect(listed == ["o-5", "o-4", "o-3", "o-2", "o-1"])
            #expect(pages == 3)
        }
    }

    @Test(arguments: [
        "status=pending", "status=SHIPPED", "limit=0", "limit=501", "limit=abc",
        "cursor=%21%21not-base64", "cursor=bm8tc2VwYXJhdG9y", "customerId=\(String(repeating: "x", count: 129))",
    ])
    func aBadListingParameterIs400(_ query: String) async throws {
        try await ProjectionService.run { service in
            expectContractError(try await service.client.get("/orders?\(query)"), .badRequest, code: "invalid_parameter")
        }
    }

    @Test func aCustomerShowsTheBalanceAndTheirOrdersNewestFirst() async throws {
        try await ProjectionService.run { service in
            var feeds = try await fiveOrders(service)
            try await service.apply([try feeds.deposited("c-1", amount: 10000, balance: 10000, version: 1)])

            let customer = try await service.client.get("/customers/c-1")

            #expect(customer.status == .ok)
            #expect(customer.json["customerId"].string == "c-1")
            #expect(customer.json["balance"].int == 10000)
            #expect(customer.json["orders"].array?.compactMap { $0["orderId"].string } == ["o-5", "o-4", "o-2", "o-1"])
        }
    }

    @Test func aCustomerWithOrdersButNoAccountEventHasABalanceOfZero() async throws {
        try await ProjectionService.run { service in
            try await fiveOrders(service)

            let customer = try await service.client.get("/customers/c-2").json
            #expect(customer["balance"].int == 0)
            #expect(customer["orders"].count == 1)
        }
    }

    @Test func theLatestAccountEventSetsTheBalance() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            try await service.apply([
                try feeds.deposited("c-9", amount: 100, balance: 100, version: 1),
                try feeds.next(AccountDebited(customerId: "c-9", orderId: "o-1", amount: 40, balance: 60), aggregateId: "c-9", version: 2),
                try feeds.next(AccountCredited(customerId: "c-9", orderId: "o-1", amount: 40, balance: 100), aggregateId: "c-9", version: 3),
                try feeds.next(AccountDebited(customerId: "c-9", orderId: "o-2", amount: 30, balance: 70), aggregateId: "c-9", version: 4),
            ])

            #expect(try await service.client.get("/customers/c-9").json["balance"].int == 70)
        }
    }

    @Test func anUnknownCustomerIs404() async throws {
        try await ProjectionService.run { service in
            expectContractError(try await service.client.get("/customers/nobody"), .notFound, code: "not_found")
        }
    }

    @Test func productsAreListedBySkuWithTheirLatestLevels() async throws {
        try await ProjectionService.run { service in
            var feeds = Feeds()
            try await service.apply([
                try feeds.restocked("SKU-B", name: "Bolt", quantity: 10, available: 10, version: 1),
                try feeds.restocked("SKU-A", name: "Anchor", quantity: 5, available: 5, version: 1),
                try feeds.next(ProductReserved(sku: "SKU-B", orderId: "o-1", quantity: 3, available: 7, reserved: 3), aggregateId: "SKU-B", version: 2),
                try feeds.next(ProductReleased(sku: "SKU-B", orderId: "o-1", quantity: 1, available: 8, reserved: 2), aggregateId: "SKU-B", version: 3),
                try feeds.next(ProductStockCorrected(sku: "SKU-A", quantity: -1, reason: "counted", available: 4, reserved: 0), aggregateId: "SKU-A", version: 2),
            ])

            let response = try await service.client.get("/products")

            #expect(response.status == .ok)
            let products = try #require(response.json["products"].array)
            #expect(products.map { $0["sku"].string } == ["SKU-A", "SKU-B"])
            #expect(products.map { $0["name"].string } == ["Anchor", "Bolt"], "a reservation keeps the name of the restock")
            #expect(products.map { $0["available"].int } == [4, 8])
            #expect(products.map { $0["reserved"].int } == [0, 2])
            #expect(products.map { $0["version"].int } == [2, 3])
        }
    }

    @Test func noProductsIsAnEmptyList() async throws {
        try await ProjectionService.run { service in
            let products = try await service.client.get("/products").json["products"]
            #expect(products.count == 0)
        }
    }

    @Test func statsCountOrdersByStatusAndShowEachSourcesPosition() async throws {
        try await ProjectionService.run { service in
            try await fiveOrders(service)

            let stats = try await service.client.get("/stats")

            #expect(stats.status == .ok)
            let json = stats.json
            #expect(json["orders"]["PENDING"].int == 2)
            #expect(json["orders"]["CONFIRMED"].int == 2)
            #expect(json["orders"]["CANCELLED"].int == 1)
            #expect(json["sources"]["order-service"]["position"].int == 8)
            #expect(json["sources"]["payment-service"]["position"].int == 2)
            #expect(json["sources"]["inventory-service"]["position"].int == 2)
            #expect(json["sources"]["order-service"]["eventsApplied"].int == 8)
            #expect(json["sources"]["order-service"]["lastEventAt"].string.flatMap(Timestamp.parse) != nil)
            #expect(json["lag"]["order-service"].int == 0, "no feed reported a head beyond what is applied")
        }
    }

    @Test func statsOfAnEmptyReadSideAreZeros() async throws {
        try await ProjectionService.run { service in
            let json = try await service.client.get("/stats").json

            #expect(json["orders"]["PENDING"].int == 0)
            #expect(json["sources"]["payment-service"]["position"].int == 0)
            #expect(json["sources"]["payment-service"]["eventsApplied"].int == 0)
            #expect(!json["sources"]["payment-service"]["lastEventAt"].exists)
        }
    }

    @Test func theLagIsTheHeadAFeedReportedMinusWhatIsApplied() async throws {
        try await ProjectionService.run { service in
            try await fiveOrders(service)
            service.projection.lag.sawHead(20, of: .order)

            let json = try await service.client.get("/stats").json
            #expect(json["lag"]["order-service"].int == 12)
            #expect(json["sources"]["order-service"]["headPosition"].int == 20)
        }
    }
}
