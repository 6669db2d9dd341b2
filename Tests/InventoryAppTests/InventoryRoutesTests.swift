import AppTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import InventoryApp
import Testing

/// The inventory-service built by `buildApplication`, on a temporary store, without a broker.
@Suite struct InventoryRoutesTests {
    @Test func aRestockCreatesTheProductWithThatStock() async throws {
        try await withTemporaryConfiguration(.inventory) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let restock = try await client.execute(
                    uri: "/products/sku-1/restock", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"quantity":7,"name":"Lamp"}"#)
                )
                #expect(restock.status == .ok)
                let read = try await client.execute(uri: "/products/sku-1", method: .get)
                #expect(read.status == .ok)
                #expect(String(buffer: read.body).contains(#""available":7"#))
            }
        }
    }

    @Test func anUnknownProductAnswers404InTheErrorShape() async throws {
        try await withTemporaryConfiguration(.inventory) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/products/no-such-sku", method: .get)
                #expect(response.status == .notFound)
                #expect(try ErrorBody(Data(buffer: response.body)).error.code == "not_found")
            }
        }
    }

    @Test func aStockCorrectionWithoutTheAdminTokenIsRefused() async throws {
        try await withTemporaryConfiguration(.inventory) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(
                    uri: "/admin/products/sku-1/corrections", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"quantity":-1,"reason":"damaged"}"#)
                )
                #expect(response.status == .unauthorized)
                #expect(try await client.execute(uri: "/products/sku-1", method: .get).status == .notFound)
            }
        }
    }
}
