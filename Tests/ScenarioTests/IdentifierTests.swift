import Foundation
import Testing
import TestSupport

/// Ids are 1 to 128 bytes of UTF-8 without control characters: every id legal in a body can be
/// addressed in a path, percent-encoded, on every service, the projection's filters included.
@Suite("Ids in paths and bodies", .sharedSagaSystem(), .timeLimit(.minutes(30)))
struct IdentifierTests {
    @Test func aPercentEncodedPathIdIsTheDecodedString() async throws {
        let system = try SagaSystem.requireShared()
        let deposit = try await system.paymentService.client.post(
            "/accounts/caf%C3%A9/deposits", raw: #"{"amount": 500}"#, contentType: "application/json")
        #expect(deposit.status == 200, "\(deposit)")
        #expect(deposit.json?["customerId"]?.stringValue == "café", "\(deposit)")
        let account = try #require(try await system.account("café"))
        #expect(account.balance == 500)
    }

    @Test func everyIdLegalInABodyIsAddressableInEveryServicesPaths() async throws {
        let system = try SagaSystem.requireShared()
        // Spaces, slashes, percent signs, question marks and multi-byte characters, up to 128 bytes.
        let customer = "Zoë / 50% off? #1 " + String(repeating: "ø", count: 50)
        let sku = "sku/ü 1+1=2 " + String(repeating: "x", count: 115)
        #expect(customer.utf8.count <= 128 && sku.utf8.count == 128, "\(customer.utf8.count) \(sku.utf8.count)")
        try await system.deposit(customerId: customer, amount: 10_000)
        try await system.restock(sku: sku, quantity: 5, name: "Odd")

        let orderId = try await system.placeOrder(customerId: customer, items: [OrderLine(sku: sku, quantity: 2, unitPrice: 300)])
        let order = try await system.waitForFinalStatus(orderId)
        #expect(order.status == .confirmed, "\(order)")
        #expect(order.customerId == customer)
        #expect(try #require(try await system.account(customer)).balance == 9_400)
        #expect(try #require(try await system.product(sku)).available == 3)
        #expect(try #require(try await system.payment(orderId: orderId)).status == .authorized)

        let projected = try await system.waitForProjectedOrder(orderId, "CONFIRMED") { $0.status == .confirmed }
        #expect(projected.customerId == customer)
        let customerView = try await waitUntil(
            "the projected customer shows the order and the balance",
            read: { try await system.projectedCustomer(customer) },
            until: { view in view?.orderIds.contains(orderId) == true && view?.balance == 9_400 })
        #expect(customerView?.customerId == customer)
        let filtered = try await system.projectedOrders(customerId: customer)
        #expect(filtered.orders.map(\.orderId) == [orderId], "\(filtered.orders.map(\.orderId))")
        await system.checkInvariants()
    }

    /// Ids are byte strings: an id beginning or ending with U+FEFF or U+200B, beginning with a
    /// combining mark, or spelled in NFC rather than NFD (two byte strings Swift's `==` calls equal)
    /// comes back byte for byte from every service and the projection, and two spellings stay two
    /// customers and two products everywhere. (Deposits, restocks and orders go straight to the
    /// services, outside the shared ledger, whose keys are Swift strings.)
    @Test func idsRoundTripByteForByteAndNormalisationVariantsStayApart() async throws {
        let system = try SagaSystem.requireShared()
        let tag = UUID().uuidString.prefix(8).lowercased()
        let nfcCustomer = "caf\u{E9}-\(tag)", nfdCustomer = "cafe\u{301}-\(tag)"
        let customers = [
            "\u{FEFF}c-\(tag)", "c-\(tag)\u{FEFF}", "\u{200B}c-\(tag)", "c-\(tag)\u{200B}", "\u{301}c-\(tag)",
            nfcCustomer, nfdCustomer,
        ]
        let nfcSku = "caf\u{E9}-sku-\(tag)", nfdSku = "cafe\u{301}-sku-\(tag)"
        let skus = ["\u{FEFF}sku-\(tag)", "sku-\(tag)\u{FEFF}", "\u{200B}sku-\(tag)", "sku-\(tag)\u{200B}", "\u{301}sku-\(tag)", nfcSku, nfdSku]
        #expect(nfcCustomer == nfdCustomer && Array(nfcCustomer.utf8) != Array(nfdCustomer.utf8), "Swift calls them equal; their bytes differ")
        func same(_ lhs: String?, _ rhs: String) -> Bool { lhs.map { Array($0.utf8) == Array(rhs.utf8) } ?? false }

        // Each customer and product gets an amount of its own, so a merge shows in the numbers.
        for (index, customer) in customers.enumerated() {
            let response = try await system.paymentService.client.post(
                "/accounts/\(Self.pathSegment(customer))/deposits", raw: #"{"amount": \#(10_000 + index)}"#, contentType: "application/json")
            #expect(response.status == 200, "\(response)")
            #expect(same(response.json?["customerId"]?.stringValue, customer), "\(response)")
        }
        for (index, sku) in skus.enumerated() {
            let response = try await system.inventoryService.client.post(
                "/products/\(Self.pathSegment(sku))/restock", raw: #"{"quantity": \#(10 + index)}"#, contentType: "application/json")
            #expect(response.status == 200, "\(response)")
            #expect(same(response.json?["sku"]?.stringValue, sku), "\(response)")
        }
        for (index, customer) in customers.enumerated() {
            let account = try #require(try await system.account(customer))
            #expect(same(account.customerId, customer) && account.balance == 10_000 + index, "\(customer.debugDescription): \(account)")
        }

        // One order per customer, for one unit of the product with the same index; the NFC
        // customer's order also takes one unit of the NFD product, on a line of its own.
        var orders: [(orderId: String, customer: String, lines: [(sku: String, quantity: Int)])] = []
        for (index, customer) in customers.enumerated() {
            var lines = [(sku: skus[index], quantity: 1)]
            if Array(customer.utf8) == Array(nfcCustomer.utf8) { lines.append((nfdSku, 1)) }
            let body = PlaceOrderRequest(
                customerId: customer, currency: "USD", items: lines.map { OrderLine(sku: $0.sku, quantity: $0.quantity, unitPrice: 100) })
            let response = try await system.orderService.client.post("/orders", json: body)
            #expect(response.status == 202, "\(response)")
            let orderId = try #require(response.json?["orderId"]?.stringValue, "\(response)")
            orders.append((orderId, customer, lines))
        }
        var held: [[UInt8]: Int] = [:]
        var charged: [[UInt8]: Int] = [:]
        for order in orders {
            let final = try await system.waitForFinalStatus(order.orderId)
            #expect(final.status == .confirmed, "\(order.customer.debugDescription): \(final)")
            #expect(same(final.customerId, order.customer), "order-service: \(final)")
            #expect(zip(final.items, order.lines).allSatisfy { same($0.sku, $1.sku) }, "order-service items: \(final)")
            let payment = try #require(try await system.payment(orderId: order.orderId))
            #expect(same(payment.customerId, order.customer), "payment-service: \(payment)")
            for line in order.lines { held[Array(line.sku.utf8), default: 0] += line.quantity }
            charged[Array(order.customer.utf8), default: 0] += order.lines.count * 100
        }
        for (index, sku) in skus.enumerated() {
            let product = try #require(try await system.product(sku))
            let reserved = held[Array(sku.utf8)] ?? 0
            #expect(same(product.sku, sku) && product.available == 10 + index - reserved, "\(sku.debugDescription): \(product)")
        }

        // The read side: the same ids, the same numbers, nothing merged.
        for order in orders {
            let projected = try await system.waitForProjectedOrder(order.orderId, "CONFIRMED") { $0.status == .confirmed }
            #expect(same(projected.customerId, order.customer), "projection: \(projected)")
        }
        for (index, customer) in customers.enumerated() {
            let balance = 10_000 + index - (charged[Array(customer.utf8)] ?? 0)
            let orderIds = orders.filter { Array($0.customer.utf8) == Array(customer.utf8) }.map(\.orderId)
            let view = try await waitUntil(
                "the projection shows customer \(customer.debugDescription) with its own order and balance",
                read: { try await system.projectedCustomer(customer) },
                until: { view in view?.balance == balance && view?.orderIds == orderIds })
            #expect(same(view?.customerId, customer), "\(String(describing: view))")
            let listed = try await system.projectedOrders(customerId: customer)
            #expect(listed.orders.map(\.orderId) == orderIds, "GET /orders?customerId=\(customer.debugDescription)")
            #expect(listed.orders.allSatisfy { same($0.customerId, customer) })
        }
        let projectedProducts = try await waitUntil(
            "the projection shows every product with its own stock",
            read: { try await system.projectedProducts() },
            until: { products in
                skus.enumerated().allSatisfy { index, sku in
                    products.contains { same($0.sku, sku) && $0.available == 10 + index - (held[Array(sku.utf8)] ?? 0) }
                }
            })
        #expect(skus.allSatisfy { sku in projectedProducts.filter { same($0.sku, sku) }.count == 1 })
    }

    /// An `Idempotency-Key` retry is the same request only when its ids are the same bytes: the
    /// NFD spelling of the customer the first request named in NFC is another request, a `409`.
    @Test func anIdempotencyKeyReusedWithTheOtherSpellingOfAnIdIsAConflict() async throws {
        let system = try SagaSystem.requireShared()
        let tag = UUID().uuidString.prefix(8).lowercased()
        let key = "idem-\(tag)"
        let nfc = PlaceOrderRequest(customerId: "caf\u{E9}-idem-\(tag)", items: [OrderLine(sku: "sku-idem-\(tag)", quantity: 1, unitPrice: 100)])
        var nfd = nfc
        nfd.customerId = "cafe\u{301}-idem-\(tag)"
        let first = try await system.orderService.client.post("/orders", json: nfc, headers: ["Idempotency-Key": key])
        #expect(first.status == 202, "\(first)")
        let retry = try await system.orderService.client.post("/orders", json: nfc, headers: ["Idempotency-Key": key])
        #expect(retry.status == 200 && retry.json?["orderId"] == first.json?["orderId"], "\(retry)")
        let other = try await system.orderService.client.post("/orders", json: nfd, headers: ["Idempotency-Key": key])
        #expect(other.status == 409, "\(other)")
        #expect(other.errorCode == "idempotency_key_reused", "\(other)")
    }

    /// `id` percent-encoded byte for byte: every byte but ASCII letters, digits, `-`, `.`, `_`, `~`.
    static func pathSegment(_ id: String) -> String {
        id.utf8.map { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                String(UnicodeScalar(byte))
            default:
                String(format: "%%%02X", byte)
            }
        }.joined()
    }
}
