import AppTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `/products/{sku}`: restocks create and fill a product; bad restocks are refused and create nothing.
@Suite struct ProductRouteTests {
    @Test func theFirstRestockCreatesTheProductWithItsName() async throws {
        try await InventoryService.run { service in
            let response = try await service.client.post("/products/SKU-1/restock", json: #"{"quantity": 10, "name": "Widget"}"#)

            #expect(response.status == .ok)
            #expect(response.json.keys == ["sku", "name", "available", "reserved", "version"])
            #expect(response.json["sku"].string == "SKU-1")
            #expect(response.json["name"].string == "Widget")
            #expect(response.json["available"].int == 10)
            #expect(response.json["reserved"].int == 0)
            #expect(response.json["version"].int == 1)
        }
    }

    @Test func aProductWithoutANameIsNamedAfterItsSku() async throws {
        try await InventoryService.run { service in
            try await service.restock("SKU-1", 1)

            #expect(try await service.client.get("/products/SKU-1").json["name"].string == "SKU-1")
        }
    }

    @Test func restocksAddUpAndACustomerReturnIsARestockToo() async throws {
        try await InventoryService.run { service in
            try await service.restock("SKU-1", 10)
            let returned = try await service.client.post("/products/SKU-1/restock", json: #"{"quantity": 2, "reason": "customer_return"}"#)

            #expect(returned.status == .ok)
            #expect(returned.json["available"].int == 12)
            #expect(returned.json["version"].int == 2)
            let feed = try await service.client.get("/events").json["events"]
            #expect(feed[1]["eventType"].string == "ProductRestocked")
            #expect(feed[1]["payload"]["reason"].string == "customer_return")
        }
    }

    @Test func aProductIsReadAsOfAnEarlierVersion() async throws {
        try await InventoryService.run { service in
            try await service.restock("SKU-1", 10)
            try await service.restock("SKU-1", 5)

            let first = try await service.client.get("/products/SKU-1?version=1")
            #expect(first.json["available"].int == 10)
            expectContractError(try await service.client.get("/products/SKU-1?version=3"), .notFound, code: "not_found")
            expectContractError(try await service.client.get("/products/SKU-1?version=x"), .badRequest, code: "invalid_parameter")
        }
    }

    @Test func anUnknownProductIs404() async throws {
        try await InventoryService.run { service in
            expectContractError(try await service.client.get("/products/NO-SUCH-SKU"), .notFound, code: "not_found")
        }
    }

    @Test(arguments: [
        (#"{"quantity": "#, HTTPResponse.Status.badRequest, "invalid_json"),
        (#"{"quantity": 0}"#, .badRequest, "invalid_field"),
        (#"{"quantity": -5}"#, .badRequest, "invalid_field"),
        (#"{"quantity": 1000000001}"#, .badRequest, "invalid_field"),
        (#"{"name": "Widget"}"#, .badRequest, "invalid_json"),
        (#"{"quantity": 1, "reason": "stolen"}"#, .badRequest, "invalid_json"),
        (#"{"quantity": 1, "name": ""}"#, .badRequest, "invalid_field"),
        (#"{"quantity": 5.0}"#, .badRequest, "invalid_field"),
    ])
    func aBadRestockIsRefusedAndCreatesNoProduct(_ body: String, _ status: HTTPResponse.Status, _ code: String) async throws {
        try await InventoryService.run { service in
            expectContractError(try await service.client.post("/products/SKU-1/restock", json: body), status, code: code)
            #expect(try await service.stock("SKU-1") == nil, "a refused restock creates nothing")
            #expect(try await service.outbox().isEmpty)
        }
    }

    @Test func aRestockInAnotherContentTypeIs415() async throws {
        try await InventoryService.run { service in
            expectContractError(try await service.client.post("/products/SKU-1/restock", json: #"{"quantity": 1}"#, contentType: "text/plain"),
                                .unsupportedMediaType, code: "unsupported_media_type")
        }
    }

    @Test(arguments: ["S%00", "S%0A", "S%C3", String(repeating: "x", count: 129)])
    func aPathSkuThatBreaksTheIdRuleIs400InvalidId(_ sku: String) async throws {
        try await InventoryService.run { service in
            expectContractError(try await service.client.post("/products/\(sku)/restock", json: #"{"quantity": 1}"#), .badRequest, code: "invalid_id")
            expectContractError(try await service.client.get("/products/\(sku)"), .badRequest, code: "invalid_id")
        }
    }

    @Test func aSkuWithASlashIsAddressedPercentEncoded() async throws {
        try await InventoryService.run { service in
            try await service.restock("a%2Fb", 3)

            #expect(try await service.client.get("/products/a%2Fb").json["sku"].string == "a/b")
        }
    }
}
