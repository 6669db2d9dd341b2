import Foundation
import Testing
import TestSupport

/// History reads (`?version=N`) and the operator's stock correction, against the running services.
/// These run in the input-validation suite's shared system (no extra system is started for them).
extension HTTPValidationTests {
    @Test func eachAggregateIsServedAsOfAVersionRebuiltFromItsEvents() async throws {
        let system = try SagaSystem.requireShared()
        try await system.deposit(customerId: "c-history", amount: 1_000)
        try await system.deposit(customerId: "c-history", amount: 500)
        let accounts = system.paymentService.client
        let first: Account = try await accounts.get("/accounts/c-history?version=1").decode()
        #expect(first.balance == 1_000 && first.version == 1)
        let current: Account = try await accounts.get("/accounts/c-history").decode()
        #expect(current.balance == 1_500 && current.version == 2)

        try await system.restock(sku: "SKU-history", quantity: 4, name: "Lamp")
        try await system.restock(sku: "SKU-history", quantity: 6)
        let product: Product = try await system.inventoryService.client.get("/products/SKU-history?version=1").decode()
        #expect(product.available == 4 && product.version == 1)

        let orderId = try await system.placeOrder(customerId: "c-history", items: [OrderLine(sku: "SKU-history", quantity: 1, unitPrice: 100)])
        let final = try await system.waitForFinalStatus(orderId)
        let placed: Order = try await system.orderService.client.get("/orders/\(orderId)?version=1").decode()
        #expect(placed.status == .pending)
        #expect(final.status != .pending)
    }

    @Test func aVersionThatIsNotAPositiveIntegerIs400AndOnePastTheEndIs404() async throws {
        let system = try SagaSystem.requireShared()
        try await system.restock(sku: "SKU-history-bad", quantity: 1)
        let client = system.inventoryService.client
        for bad in ["0", "-1", "abc", "1.5", ""] {
            expectContractError(try await client.get("/products/SKU-history-bad?version=\(bad)"), status: 400)
        }
        expectContractError(try await client.get("/products/SKU-history-bad?version=2"), status: 404)
        expectContractError(try await client.get("/products/SKU-unknown?version=1"), status: 404)
        expectContractError(try await system.paymentService.client.get("/accounts/c-unknown?version=1"), status: 404)
        expectContractError(try await system.orderService.client.get("/orders/o-unknown?version=1"), status: 404)
    }

    @Test func anOperatorCorrectsStockWithANewEventBehindTheAdminToken() async throws {
        let system = try SagaSystem.requireShared()
        let client = system.inventoryService.client
        try await system.restock(sku: "SKU-count", quantity: 10, name: "Vase")
        let path = "/admin/products/SKU-count/corrections"
        let body = #"{"available": 7, "reason": "three broken in the warehouse"}"#

        expectContractError(try await client.post(path, raw: body, contentType: "application/json"), status: 401)
        let wrong = ["Authorization": "Bearer not-the-token"]
        expectContractError(try await client.post(path, raw: body, contentType: "application/json", headers: wrong), status: 401)

        let admin = ["Authorization": "Bearer test-admin"]
        let stale = #"{"available": 7, "reason": "count", "expectedVersion": 5}"#
        expectContractError(try await client.post(path, raw: stale, contentType: "application/json", headers: admin), status: 409)
        let corrected: Product = try await client.post(path, raw: body, contentType: "application/json", headers: admin).decode()
        #expect(corrected.available == 7 && corrected.version == 2)
        let again: Product = try await client.post(path, raw: body, contentType: "application/json", headers: admin).decode()
        #expect(again.version == 2, "a count that matches the books appends nothing")

        let before: Product = try await client.get("/products/SKU-count?version=1").decode()
        #expect(before.available == 10, "the restock is not edited: history still shows it")
        _ = try await waitUntil("projection-service shows the corrected stock of SKU-count", read: {
            try await system.projectedProducts().first { $0.sku == "SKU-count" }?.available
        }, until: { $0 == 7 })
    }
}
