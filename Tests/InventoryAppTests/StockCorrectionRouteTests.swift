import AppTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `POST /admin/products/{sku}/corrections`: an operator's shelf count, behind the admin token.
@Suite struct StockCorrectionRouteTests {
    private func correct(_ service: InventoryService, sku: String = "SKU-1", _ body: String) async throws -> TestResponse {
        try await service.client.post("/admin/products/\(sku)/corrections", json: body, headers: .admin)
    }

    @Test func aCountSetsAvailableAndIsAProductStockCorrectedEvent() async throws {
        try await InventoryService.run { service in
            try await service.restock("SKU-1", 10)

            let response = try await correct(service, #"{"available": 7, "reason": "counted on the shelf"}"#)

            #expect(response.status == .ok)
            #expect(response.json["available"].int == 7)
            #expect(response.json["version"].int == 2)
            let corrected = try #require(try await service.outbox().last)
            #expect(corrected.metadata.eventType == "ProductStockCorrected")
            #expect(try await service.stock("SKU-1")?.available == 7)
        }
    }

    @Test func aCountEqualToTheStockChangesNothing() async throws {
        try await InventoryService.run { service in
            try await service.restock("SKU-1", 10)

            let response = try await correct(service, #"{"available": 10, "reason": "counted"}"#)

            #expect(response.status == .ok)
            #expect(response.json["version"].int == 1)
            #expect(try await service.outbox().count == 1)
        }
    }

    @Test func aCountTakenAtAnOlderVersionIs409AndNotApplied() async throws {
        try await InventoryService.run { service in
            try await service.restock("SKU-1", 10)
            try await service.restock("SKU-1", 1)

            expectContractError(try await correct(service, #"{"available": 3, "reason": "counted", "expectedVersion": 1}"#), .conflict, code: "version_mismatch")
            #expect(try await service.stock("SKU-1")?.available == 11)
        }
    }

    @Test func aCountAtTheCurrentVersionIsApplied() async throws {
        try await InventoryService.run { service in
            try await service.restock("SKU-1", 10)

            let response = try await correct(service, #"{"available": 3, "reason": "counted", "expectedVersion": 1}"#)

            #expect(response.status == .ok)
            #expect(response.json["available"].int == 3)
        }
    }

    @Test func correctingAnUnknownProductIs404() async throws {
        try await InventoryService.run { service in
            expectContractError(try await correct(service, sku: "NO-SUCH", #"{"available": 3, "reason": "counted"}"#), .notFound, code: "not_found")
        }
    }

    @Test(arguments: [
        (#"{"available": -1, "reason": "counted"}"#, "invalid_field"),
        (#"{"available": 3, "reason": ""}"#, "invalid_field"),
        (#"{"available": 3}"#, "invalid_json"),
        (#"{"reason": "counted"}"#, "invalid_json"),
        (#"{"available": 3.0, "reason": "counted"}"#, "invalid_field"),
        (#"{"available": 3, "reason": "counted", "expectedVersion": 1e0}"#, "invalid_field"),
    ])
    func aBadCountIs400AndChangesNothing(_ body: String, _ code: String) async throws {
        try await InventoryService.run { service in
            try await service.restock("SKU-1", 10)

            expectContractError(try await correct(service, body), .badRequest, code: code)
            #expect(try await service.stock("SKU-1")?.available == 10)
        }
    }

    @Test func correctionsNeedTheAdminToken() async throws {
        try await InventoryService.run { service in
            try await service.restock("SKU-1", 10)
            let body = #"{"available": 1, "reason": "counted"}"#

            expectContractError(try await service.client.post("/admin/products/SKU-1/corrections", json: body), .unauthorized, code: "unauthorized")
            expectContractError(try await service.client.post("/admin/products/SKU-1/corrections", json: body, headers: .bearer("wrong")), .unauthorized, code: "unauthorized")
            #expect(try await service.stock("SKU-1")?.available == 10)
        }
    }

    @Test func withoutAnAdminTokenCorrectionsAreOff() async throws {
        try await InventoryService.run(environment: ["ADMIN_TOKEN": ""]) { service in
            expectContractError(try await service.client.post("/admin/products/SKU-1/corrections", json: #"{"available": 1, "reason": "c"}"#, headers: .admin),
                                .forbidden, code: "admin_disabled")
        }
    }
}
