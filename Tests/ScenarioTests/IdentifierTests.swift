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
}
