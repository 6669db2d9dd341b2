import Contracts
import InventoryDomain
import Testing

@Suite struct ProductTests {
    @Test func theFirstRestockCreatesTheProduct() throws {
        let events = try Product.initial.restock(sku: "A", quantity: 10, name: "Apple")
        #expect(events == [.restocked(ProductRestocked(sku: "A", name: "Apple", quantity: 10, available: 10, reserved: 0))])
    }

    @Test(arguments: [0, -1, ProductLimits.maxRestock + 1])
    func restocksMustBePositiveAndBounded(quantity: Int) {
        #expect(throws: ProductError.self) { try Product.initial.restock(sku: "A", quantity: quantity, name: nil) }
    }

    @Test func reservingMoreThanAvailableIsRefused() throws {
        let product = Product.replay(try Product.initial.restock(sku: "A", quantity: 3, name: nil))
        #expect(throws: ProductError.insufficientStock(sku: "A", available: 3, requested: 4)) { try product.reserve(orderId: "o", quantity: 4) }
    }

    @Test func anUnknownProductCannotBeReserved() {
        #expect(throws: ProductError.self) { try Product.initial.reserve(orderId: "o", quantity: 1) }
    }

    @Test func aRestockSaysWhyUnitsCameInADeliveryUnlessToldOtherwise() throws {
        let delivered = try Product.initial.restock(sku: "A", quantity: 2, name: nil)
        let returned = try Product.initial.restock(sku: "A", quantity: 2, name: nil, reason: .customerReturn)
        #expect(delivered.map(\.payload).compactMap { ($0 as? ProductRestocked)?.reason } == [.delivery])
        #expect(returned.map(\.payload).compactMap { ($0 as? ProductRestocked)?.reason } == [.customerReturn])
    }
}

@Suite struct StockCorrectionTests {
    func product(available: Int, reserved: Int) throws -> Product {
        var product = Product.replay(try Product.initial.restock(sku: "A", quantity: available + reserved, name: nil))
        if reserved > 0 { product = product.evolve(with: try product.reserve(orderId: "o", quantity: reserved)[0]) }
        return product
    }

    @Test func aCountBelowTheBooksRecordsTheShortfallAndKeepsWhatIsHeld() throws {
        let events = try product(available: 7, reserved: 3).correctStock(counted: 4, reason: "broken in transit")
        #expect(events == [.stockCorrected(ProductStockCorrected(sku: "A", quantity: -3, reason: "broken in transit", available: 4, reserved: 3))])
    }

    @Test func aCountAboveTheBooksRecordsTheSurplus() throws {
        let events = try product(available: 2, reserved: 0).correctStock(counted: 5, reason: "found behind a shelf")
        #expect(events == [.stockCorrected(ProductStockCorrected(sku: "A", quantity: 3, reason: "found behind a shelf", available: 5, reserved: 0))])
    }

    @Test func aCountThatMatchesTheBooksChangesNothing() throws {
        #expect(try product(available: 4, reserved: 1).correctStock(counted: 4, reason: "monthly count").isEmpty)
    }

    @Test func aCorrectionNeedsAnExistingProductACountOfZeroOrMoreAndAReason() throws {
        #expect(throws: ProductError.notFound(sku: "")) { try Product.initial.correctStock(counted: 1, reason: "count") }
        #expect(throws: ProductError.self) { try product(available: 1, reserved: 0).correctStock(counted: -1, reason: "count") }
        #expect(throws: ProductError.self) { try product(available: 1, reserved: 0).correctStock(counted: 0, reason: "  ") }
    }
}

@Suite struct ReservationTests {
    func products(_ levels: [String: Int]) throws -> [IdentifierKey: Product] {
        var result: [IdentifierKey: Product] = [:]
        for (sku, quantity) in levels {
            result[IdentifierKey(sku)] = Product.replay(try Product.initial.restock(sku: sku, quantity: quantity, name: nil))
        }
        return result
    }

    @Test func skusThatDifferOnlyInNormalisationAreTwoProducts() throws {
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        var stock = try products([nfc: 1])
        stock[IdentifierKey(nfd)] = Product.replay(try Product.initial.restock(sku: nfd, quantity: 1, name: nil))
        #expect(stock.count == 2)
        let items = [StockLine(sku: nfc, quantity: 1), StockLine(sku: nfd, quantity: 1)]
        let decision = try Reservation.initial.reserve(orderId: "o-1", items: items, products: stock)
        #expect(decision.products.count == 2, "one unit of each, not two of one: \(decision.products)")
        #expect(decision.products[IdentifierKey(nfc)] == [.reserved(ProductReserved(sku: nfc, orderId: "o-1", quantity: 1, available: 0, reserved: 1))])
        #expect(decision.products[IdentifierKey(nfd)] == [.reserved(ProductReserved(sku: nfd, orderId: "o-1", quantity: 1, available: 0, reserved: 1))])
    }

    @Test func everyLineInStockIsReserved() throws {
        let items = [StockLine(sku: "A", quantity: 2), StockLine(sku: "B", quantity: 1)]
        let decision = try Reservation.initial.reserve(orderId: "o-1", items: items, products: try products(["A": 2, "B": 5]))
        #expect(decision.reservation == [.reserved(InventoryReserved(orderId: "o-1", items: items))])
        #expect(decision.products["A"] == [.reserved(ProductReserved(sku: "A", orderId: "o-1", quantity: 2, available: 0, reserved: 2))])
        #expect(decision.products["B"] == [.reserved(ProductReserved(sku: "B", orderId: "o-1", quantity: 1, available: 4, reserved: 1))])
    }

    @Test func oneShortLineReservesNothing() throws {
        let items = [StockLine(sku: "A", quantity: 2), StockLine(sku: "B", quantity: 9)]
        let decision = try Reservation.initial.reserve(orderId: "o-1", items: items, products: try products(["A": 2, "B": 5]))
        #expect(decision.reservation == [.failed(InventoryReservationFailed(orderId: "o-1", items: items, reason: .insufficientStock, skus: ["B"]))])
        #expect(decision.products.isEmpty)
    }

    @Test func anUnknownSkuReservesNothing() throws {
        let items = [StockLine(sku: "A", quantity: 1), StockLine(sku: "X", quantity: 1)]
        let decision = try Reservation.initial.reserve(orderId: "o-1", items: items, products: try products(["A": 2]).merging(["X": .initial]) { $1 })
        #expect(decision.reservation == [.failed(InventoryReservationFailed(orderId: "o-1", items: items, reason: .unknownSku, skus: ["X"]))])
        #expect(decision.products.isEmpty)
    }

    @Test func repeatedLinesOfOneSkuAreCountedTogether() throws {
        let items = [StockLine(sku: "A", quantity: 2), StockLine(sku: "A", quantity: 2)]
        let decision = try Reservation.initial.reserve(orderId: "o-1", items: items, products: try products(["A": 3]))
        #expect(decision.products.isEmpty)
        guard case .failed = decision.reservation.first else { Issue.record("expected a failed reservation"); return }
    }

    @Test func releasingReturnsExactlyWhatWasHeld() throws {
        let items = [StockLine(sku: "A", quantity: 2)]
        let stock = try products(["A": 5])
        let reserved = try Reservation.initial.reserve(orderId: "o-1", items: items, products: stock)
        let held = stock["A"]!.evolve(with: reserved.products["A"]![0])
        let release = try Reservation.replay(reserved.reservation).release(products: ["A": held])
        #expect(release.reservation == [.released(InventoryReleased(orderId: "o-1", items: items))])
        #expect(release.products["A"] == [.released(ProductReleased(sku: "A", orderId: "o-1", quantity: 2, available: 5, reserved: 0))])
    }

    @Test func aCancellationBeforePaymentIsRememberedSoALateReservationHoldsNothing() throws {
        let cancelled = Reservation.replay(try Reservation.initial.cancel(orderId: "o-1", products: [:]).reservation)
        let late = try cancelled.reserve(orderId: "o-1", items: [StockLine(sku: "A", quantity: 1)], products: try products(["A": 5]))
        #expect(late == ReservationDecision())
    }
}

@Suite struct InventoryArithmeticTests {
    @Test func quantitiesSummingPastTheLargestIntegerAreRefusedNotATrap() throws {
        let product = Product.initial.evolve(with: try Product.initial.restock(sku: "S", quantity: 10, name: nil)[0])
        let lines = [StockLine(sku: "S", quantity: Int.max), StockLine(sku: "S", quantity: Int.max)]
        #expect(throws: ProductError.self) { try Reservation.initial.reserve(orderId: "o-1", items: lines, products: ["S": product]) }
    }

    @Test func aSkuIsLimitedInBytes() {
        #expect(throws: ProductError.self) { try Product.initial.restock(sku: String(repeating: "é", count: 65), quantity: 1, name: nil) }
        #expect(throws: Never.self) { try Product.initial.restock(sku: "caf\u{E9} 1/2", quantity: 1, name: nil) }
    }
}
