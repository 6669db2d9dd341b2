import AppTestSupport
import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `POST /orders`: a valid order is accepted as PENDING and its `OrderPlaced` waits in the
/// outbox; every invalid body is a 4xx in the contract's shape and stores nothing.
@Suite struct PlaceOrderRouteTests {
    @Test func aValidOrderIsAcceptedAsPendingWithItsLocation() async throws {
        try await OrderService.run { service in
            let response = try await service.client.post("/orders", json: OrderService.validOrder)

            #expect(response.status == .accepted)
            let orderId = try #require(response.json["orderId"].string)
            #expect(response.json["status"].string == "PENDING")
            #expect(response.headers[.location] == "/orders/\(orderId)")
            #expect(UUID(uuidString: orderId) != nil && orderId == orderId.lowercased(), "order ids are lower-case UUIDs: \(orderId)")
        }
    }

    @Test func placingAnOrderWritesOrderPlacedToTheOutboxAsTheSagasFirstStep() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            let outbox = try await service.outbox()
            #expect(outbox.map(\.metadata.eventType) == ["OrderPlaced"])
            let placed = try #require(outbox.first)
            #expect(placed.metadata.aggregateId == orderId)
            #expect(placed.metadata.correlationId == orderId)
            #expect(placed.metadata.causationId == nil, "a client's command has no causing event")
            #expect(placed.metadata.routingKey == "order.placed")
            let payload = try JSONCoding.decoder().decode(OrderPlaced.self, from: placed.payloadJSON)
            #expect(payload.total == 2500)
            #expect(payload.customerId == "c-1")
        }
    }

    @Test func thePlacedOrderIsReadBackWithEveryFieldOfTheContract() async throws {
        try await OrderService.run { service in
            let orderId = try await service.place()

            let order = try await service.client.get("/orders/\(orderId)")
            #expect(order.status == .ok)
            let json = order.json
            #expect(json.keys == ["orderId", "customerId", "status", "items", "total", "currency", "version", "createdAt", "updatedAt"],
                    "no cancellationReason before a cancellation: \(order.text)")
            #expect(json["orderId"].string == orderId)
            #expect(json["status"].string == "PENDING")
            #expect(json["total"].int == 2500)
            #expect(json["currency"].string == "USD")
            #expect(json["version"].int == 1)
            #expect(json["items"][0]["sku"].string == "SKU-1")
            #expect(json["items"][0]["quantity"].int == 2)
            #expect(json["items"][0]["unitPrice"].int == 1250)
            #expect(json["createdAt"].string.flatMap(Timestamp.parse) != nil, "RFC 3339: \(order.text)")
            #expect(json["createdAt"].string == json["updatedAt"].string)
        }
    }

    @Test(arguments: InvalidOrder.all)
    func anInvalidOrderIsRefusedInTheContractsShapeAndStoresNothing(_ invalid: InvalidOrder) async throws {
        try await OrderService.run { service in
            let response = try await service.client.post("/orders", json: invalid.body, contentType: invalid.contentType)

            expectContractError(response, invalid.status, code: invalid.code)
            #expect(try await service.outbox().isEmpty, "a refused order publishes nothing")
        }
    }

    @Test func aNumberWrittenAsAFloatIsRefusedNamingItsField() async throws {
        try await OrderService.run { service in
            let body = #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "S", "quantity": 1, "unitPrice": 1}, {"sku": "T", "quantity": 1, "unitPrice": 1250.0}]}"#
            let response = try await service.client.post("/orders", json: body)

            expectContractError(response, .badRequest, code: "invalid_field")
            let message = response.json["error"]["message"].string ?? ""
            #expect(message.hasPrefix("items[1].unitPrice must be an integer"), "\(message)")
            #expect(message.contains("1250.0"), "\(message)")
            #expect(try await service.outbox().isEmpty)
        }
    }

    @Test func aBodyOverSixtyFourKibibytesIsRefusedAs413() async throws {
        try await OrderService.run { service in
            let padding = String(repeating: "x", count: 70 * 1024)
            let body = #"{"customerId": "c-1", "currency": "USD", "items": [], "padding": "\#(padding)"}"#

            expectContractError(try await service.client.post("/orders", json: body), .contentTooLarge, code: "body_too_large")
        }
    }
}

/// A body `POST /orders` refuses, and how.
struct InvalidOrder: Sendable, CustomTestStringConvertible {
    var label: String
    var body: String
    var status: HTTPResponse.Status = .badRequest
    var code: String
    var contentType: String? = "application/json"

    var testDescription: String { "\(label) → \(status.code) \(code)" }

    static func line(_ label: String, _ line: String, code: String = "invalid_field") -> InvalidOrder {
        InvalidOrder(label: label, body: #"{"customerId": "c-1", "currency": "USD", "items": [\#(line)]}"#, code: code)
    }

    static let all: [InvalidOrder] = [
        InvalidOrder(label: "malformed JSON", body: #"{"customerId": "c-1", "currency": "#, code: "invalid_json"),
        InvalidOrder(label: "a JSON array", body: "[1, 2, 3]", code: "invalid_json"),
        InvalidOrder(label: "no body at all", body: "", code: "invalid_json"),
        InvalidOrder(label: "text/plain", body: OrderService.validOrder, status: .unsupportedMediaType, code: "unsupported_media_type", contentType: "text/plain"),
        InvalidOrder(label: "no content type", body: OrderService.validOrder, status: .unsupportedMediaType, code: "unsupported_media_type", contentType: nil),
        InvalidOrder(label: "missing items", body: #"{"customerId": "c-1", "currency": "USD"}"#, code: "invalid_json"),
        InvalidOrder(label: "missing customerId", body: #"{"currency": "USD", "items": [{"sku": "S", "quantity": 1, "unitPrice": 1}]}"#, code: "invalid_json"),
        InvalidOrder(label: "empty items", body: #"{"customerId": "c-1", "currency": "USD", "items": []}"#, code: "invalid_field"),
        InvalidOrder(label: "101 lines", body: #"{"customerId": "c-1", "currency": "USD", "items": [\#(Array(repeating: #"{"sku": "S", "quantity": 1, "unitPrice": 1}"#, count: 101).joined(separator: ","))]}"#, code: "invalid_field"),
        InvalidOrder(label: "lower-case currency", body: #"{"customerId": "c-1", "currency": "usd", "items": [{"sku": "S", "quantity": 1, "unitPrice": 1}]}"#, code: "invalid_field"),
        InvalidOrder(label: "four-letter currency", body: #"{"customerId": "c-1", "currency": "USDX", "items": [{"sku": "S", "quantity": 1, "unitPrice": 1}]}"#, code: "invalid_field"),
        InvalidOrder(label: "customerId of 129 bytes", body: #"{"customerId": "\#(String(repeating: "x", count: 129))", "currency": "USD", "items": [{"sku": "S", "quantity": 1, "unitPrice": 1}]}"#, code: "invalid_field"),
        InvalidOrder(label: "empty customerId", body: #"{"customerId": "", "currency": "USD", "items": [{"sku": "S", "quantity": 1, "unitPrice": 1}]}"#, code: "invalid_field"),
        line("zero quantity", #"{"sku": "S", "quantity": 0, "unitPrice": 1}"#),
        line("negative quantity", #"{"sku": "S", "quantity": -1, "unitPrice": 1}"#),
        line("quantity over 1,000,000", #"{"sku": "S", "quantity": 1000001, "unitPrice": 1}"#),
        line("fractional quantity", #"{"sku": "S", "quantity": 1.5, "unitPrice": 1}"#, code: "invalid_json"),
        line("quantity as a string", #"{"sku": "S", "quantity": "2", "unitPrice": 1}"#, code: "invalid_json"),
        line("quantity past the largest integer", #"{"sku": "S", "quantity": 99999999999999999999, "unitPrice": 1}"#, code: "invalid_json"),
        line("negative unit price", #"{"sku": "S", "quantity": 1, "unitPrice": -1}"#),
        // Integral, but written as a float: 12.0 is more likely dollars than 12 cents (docs/API.md, "Numbers").
        line("unit price written 1.0", #"{"sku": "S", "quantity": 1, "unitPrice": 1.0}"#),
        line("unit price written 1e3", #"{"sku": "S", "quantity": 1, "unitPrice": 1e3}"#),
        line("quantity written 2.0", #"{"sku": "S", "quantity": 2.0, "unitPrice": 1}"#),
        line("quantity written 2E0", #"{"sku": "S", "quantity": 2E0, "unitPrice": 1}"#),
        line("unit price written -0.0", #"{"sku": "S", "quantity": 1, "unitPrice": -0.0}"#),
        InvalidOrder(label: "a float in an unknown field", body: #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "S", "quantity": 1, "unitPrice": 1}], "extra": 1.5}"#, code: "invalid_field"),
        line("unit price over 10^9", #"{"sku": "S", "quantity": 1, "unitPrice": 1000000001}"#),
        line("missing sku", #"{"quantity": 1, "unitPrice": 1}"#, code: "invalid_json"),
        line("sku with a control character", #"{"sku": "SKU\u0007", "quantity": 1, "unitPrice": 1}"#),
        line("sku of 65 two-byte characters", #"{"sku": "\#(String(repeating: "é", count: 65))", "quantity": 1, "unitPrice": 1}"#),
    ]
}
