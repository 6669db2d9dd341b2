import AppTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The `Idempotency-Key` header of `POST /orders`: a retry under the same key with the same body
/// is the same order (200); the same key with another body is 409; a key out of bounds is 400.
@Suite struct IdempotencyKeyTests {
    private static func key(_ value: String) -> HTTPFields {
        [HTTPField.Name("Idempotency-Key")!: value]
    }

    @Test func aRetryWithTheSameKeyAndBodyReturnsTheSameOrderWith200AndPlacesNothingMore() async throws {
        try await OrderService.run { service in
            let first = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key("k-1"))
            let retry = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key("k-1"))

            #expect(first.status == .accepted)
            #expect(retry.status == .ok)
            let orderId = try #require(first.json["orderId"].string)
            #expect(retry.json["orderId"].string == orderId)
            #expect(retry.json["status"].string == "PENDING")
            #expect(retry.headers[.location] == "/orders/\(orderId)")
            #expect(try await service.outbox().count == 1, "one order placed, one OrderPlaced")
        }
    }

    @Test func theSameBodyUnderAnotherKeyIsAnotherOrder() async throws {
        try await OrderService.run { service in
            let first = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key("k-1"))
            let second = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key("k-2"))

            #expect(second.status == .accepted)
            #expect(first.json["orderId"].string != second.json["orderId"].string)
        }
    }

    @Test func aReusedKeyWithAnotherBodyIs409AndPlacesNothing() async throws {
        try await OrderService.run { service in
            _ = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key("k-1"))
            let other = OrderService.validOrder.replacingOccurrences(of: #""quantity": 2"#, with: #""quantity": 3"#)

            expectContractError(try await service.client.post("/orders", json: other, headers: Self.key("k-1")), .conflict, code: "idempotency_key_reused")
            #expect(try await service.outbox().count == 1)
        }
    }

    @Test func theKeyComparesTheBodysMeaningNotItsLayout() async throws {
        try await OrderService.run { service in
            let first = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key("k-1"))
            let reordered = #"{"items": [{"unitPrice": 1250, "quantity": 2, "sku": "SKU-1"}], "currency": "USD",   "customerId": "c-1"}"#
            let retry = try await service.client.post("/orders", json: reordered, headers: Self.key("k-1"))

            #expect(retry.status == .ok, "the same order in another key order and spacing: \(retry.text)")
            #expect(retry.json["orderId"].string == first.json["orderId"].string)
        }
    }

    @Test func aRefusedRequestDoesNotTakeItsKey() async throws {
        try await OrderService.run { service in
            let refused = try await service.client.post("/orders", json: #"{"customerId": "c-1", "currency": "USD", "items": []}"#, headers: Self.key("k-1"))
            let valid = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key("k-1"))

            expectContractError(refused, .badRequest, code: "invalid_field")
            #expect(valid.status == .accepted, "the key is still free: \(valid.text)")
        }
    }

    @Test func aKeyOfMoreThan200BytesIs400() async throws {
        try await OrderService.run { service in
            let response = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key(String(repeating: "k", count: 201)))

            expectContractError(response, .badRequest, code: "invalid_request")
            #expect(try await service.outbox().isEmpty)
        }
    }

    @Test func aKeyOfExactly200BytesIsAccepted() async throws {
        try await OrderService.run { service in
            let response = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key(String(repeating: "k", count: 200)))

            #expect(response.status == .accepted)
        }
    }

    @Test func aRetryAfterTheOrderMovedOnAnswersItsCurrentStatus() async throws {
        try await OrderService.run { service in
            let first = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key("k-1"))
            let orderId = try #require(first.json["orderId"].string)
            _ = try await service.client.post("/orders/\(orderId)/cancel")

            let retry = try await service.client.post("/orders", json: OrderService.validOrder, headers: Self.key("k-1"))
            #expect(retry.status == .ok)
            #expect(retry.json["status"].string == "CANCELLED")
        }
    }
}
