import Foundation
import Testing
import TestSupport

/// Bad input against the real processes: every answer is a 4xx in the contract's error shape
/// `{"error": {"code": "snake_case", "message": "..."}}`, never a 500.
@Suite("HTTP input validation against the running services", .sharedSagaSystem(), .timeLimit(.minutes(30)))
struct HTTPValidationTests {
    @Test(arguments: BadRequest.all)
    func badRequestIsAnsweredWithAContractError(_ request: BadRequest) async throws {
        let system = try SagaSystem.requireShared()
        let response = try await request.send(to: system)
        expectContractError(response, status: request.expectedStatus)
    }

    @Test(arguments: ServiceName.allCases)
    func adminEndpointsRejectAMissingOrWrongToken(_ service: ServiceName) async throws {
        let client = try SagaSystem.requireShared().service(service).client

        let missing = try await client.get("/admin/dead-letters")
        expectContractError(missing, status: 401)
        let wrong = try await client.get("/admin/dead-letters", headers: ["Authorization": "Bearer not-the-token"])
        expectContractError(wrong, status: 401)
        let right = try await client.get("/admin/dead-letters", headers: ["Authorization": "Bearer test-admin"])
        #expect(right.status == 200, "the configured token is accepted: \(right)")
    }

    @Test(arguments: ServiceName.allCases)
    func unknownRouteIsA404InTheErrorShape(_ service: ServiceName) async throws {
        let client = try SagaSystem.requireShared().service(service).client
        expectContractError(try await client.get("/no-such-route"), status: 404)
    }

    @Test func rejectedDepositOpensNoAccount() async throws {
        let system = try SagaSystem.requireShared()
        let response = try await system.paymentService.client.post(
            "/accounts/c-rejected/deposits", raw: #"{"amount": 0}"#, contentType: "application/json")
        expectContractError(response, status: 400)
        #expect(try await system.account("c-rejected") == nil, "a rejected deposit must not open the account")
    }

    @Test func rejectedRestockCreatesNoProduct() async throws {
        let system = try SagaSystem.requireShared()
        let response = try await system.inventoryService.client.post(
            "/products/SKU-REJECTED/restock", raw: #"{"quantity": -3}"#, contentType: "application/json")
        expectContractError(response, status: 400)
        #expect(try await system.product("SKU-REJECTED") == nil, "a rejected restock must not create the product")
    }

    @Test func sameIdempotencyKeyReturnsTheSameOrderAndADifferentBodyConflicts() async throws {
        let system = try SagaSystem.requireShared()
        let client = system.orderService.client
        let key = "idem-\(UUID().uuidString)"
        let body = PlaceOrderRequest(customerId: "c-idem", items: [OrderLine(sku: "SKU-I", quantity: 1, unitPrice: 100)])

        let first = try await client.post("/orders", json: body, headers: ["Idempotency-Key": key])
        #expect(first.status == 202, "\(first)")
        #expect(first.header("Location") != nil, "POST /orders answers with a Location header: \(first.headers)")
        let firstId = try first.decode(PlacedOrderResponse.self).orderId

        let replay = try await client.post("/orders", json: body, headers: ["Idempotency-Key": key])
        #expect(replay.status == 200, "a retry with the same key returns the same order with 200: \(replay)")
        #expect(replay.json?["orderId"]?.stringValue == firstId, "\(replay)")

        var different = body
        different.items[0].quantity = 2
        let conflict = try await client.post("/orders", json: different, headers: ["Idempotency-Key": key])
        expectContractError(conflict, status: 409)
    }
}

// MARK: - Cases

struct BadRequest: Sendable, CustomTestStringConvertible {
    var label: String
    var service: ServiceName
    var method: String = "POST"
    var path: String
    var body: String? = nil
    var contentType: String? = "application/json"
    var expectedStatus: Int = 400

    var testDescription: String { "\(service) \(method) \(path): \(label) → \(expectedStatus)" }

    func send(to system: SagaSystem) async throws -> HTTPResponse {
        var headers: [String: String] = [:]
        if let contentType { headers["Content-Type"] = contentType }
        return try await system.service(service).client.send(
            method, path, body: body.map { Data($0.utf8) }, headers: headers)
    }

    /// The same request at another path.
    func at(_ path: String) -> BadRequest {
        var request = self
        request.path = path
        return request
    }

    static let validOrder = #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": 2, "unitPrice": 1250}]}"#

    static func order(_ label: String, _ body: String, status: Int = 400) -> BadRequest {
        BadRequest(label: label, service: .order, path: "/orders", body: body, expectedStatus: status)
    }

    static func deposit(_ label: String, _ body: String) -> BadRequest {
        BadRequest(label: label, service: .payment, path: "/accounts/c-1/deposits", body: body)
    }

    static func restock(_ label: String, _ body: String) -> BadRequest {
        BadRequest(label: label, service: .inventory, path: "/products/SKU-1/restock", body: body)
    }

    static func notFound(_ label: String, _ service: ServiceName, _ path: String, method: String = "GET") -> BadRequest {
        BadRequest(
            label: label, service: service, method: method, path: path,
            body: method == "POST" ? "{}" : nil, expectedStatus: 404)
    }

    static let all: [BadRequest] = [
        // order-service
        order("malformed JSON", #"{"customerId": "c-1", "currency": "#),
        order("JSON that is not an object", "[1, 2, 3]"),
        BadRequest(label: "text/plain content type", service: .order, path: "/orders", body: validOrder, contentType: "text/plain", expectedStatus: 415),
        order("missing items", #"{"customerId": "c-1", "currency": "USD"}"#),
        order("empty items", #"{"customerId": "c-1", "currency": "USD", "items": []}"#),
        order("missing customerId", #"{"currency": "USD", "items": [{"sku": "SKU-1", "quantity": 1, "unitPrice": 100}]}"#),
        order("negative quantity", #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": -1, "unitPrice": 100}]}"#),
        order("zero quantity", #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": 0, "unitPrice": 100}]}"#),
        order("quantity as a string", #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": "2", "unitPrice": 100}]}"#),
        order("fractional quantity", #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": 1.5, "unitPrice": 100}]}"#),
        order("negative unit price", #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": 1, "unitPrice": -100}]}"#),
        order("missing sku", #"{"customerId": "c-1", "currency": "USD", "items": [{"quantity": 1, "unitPrice": 100}]}"#),
        notFound("unknown order id", .order, "/orders/no-such-order"),
        notFound("events of an unknown order id", .order, "/orders/no-such-order/events"),
        notFound("cancel of an unknown order id", .order, "/orders/no-such-order/cancel", method: "POST"),

        // payment-service
        deposit("malformed JSON", #"{"amount": "#),
        deposit("zero amount", #"{"amount": 0}"#),
        deposit("negative amount", #"{"amount": -500}"#),
        deposit("fractional amount", #"{"amount": 10.5}"#),
        deposit("amount as a string", #"{"amount": "100"}"#),
        deposit("missing amount", "{}"),
        BadRequest(label: "text/plain content type", service: .payment, path: "/accounts/c-1/deposits", body: #"{"amount": 100}"#, contentType: "text/plain", expectedStatus: 415),
        notFound("unknown account", .payment, "/accounts/no-such-customer"),
        notFound("payment of an unknown order", .payment, "/payments/no-such-order"),

        // inventory-service
        restock("malformed JSON", #"{"quantity": "#),
        restock("zero quantity", #"{"quantity": 0}"#),
        restock("negative quantity", #"{"quantity": -5}"#),
        restock("missing quantity", #"{"name": "Widget"}"#),
        BadRequest(label: "text/plain content type", service: .inventory, path: "/products/SKU-1/restock", body: #"{"quantity": 1}"#, contentType: "text/plain", expectedStatus: 415),
        notFound("unknown product", .inventory, "/products/NO-SUCH-SKU"),

        // ids: 1 to 128 bytes of UTF-8 without control characters, percent-decoded in paths
        order("customerId of 129 bytes", #"{"customerId": "\#(String(repeating: "x", count: 129))", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": 1, "unitPrice": 1}]}"#),
        order("customerId of 65 two-byte characters (130 bytes)", #"{"customerId": "\#(String(repeating: "é", count: 65))", "currency": "USD", "items": [{"sku": "SKU-1", "quantity": 1, "unitPrice": 1}]}"#),
        order("sku with a control character", #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "SKU\u0007", "quantity": 1, "unitPrice": 1}]}"#),
        order("quantity past the largest integer", #"{"customerId": "c-1", "currency": "USD", "items": [{"sku": "S", "quantity": 99999999999999999999, "unitPrice": 1}]}"#),
        deposit("path id of 130 bytes", #"{"amount": 1}"#).at("/accounts/\(String(repeating: "%C3%A9", count: 65))/deposits"),
        deposit("path id with an encoded NUL", #"{"amount": 1}"#).at("/accounts/c%00d/deposits"),
        deposit("path id with an encoded newline", #"{"amount": 1}"#).at("/accounts/c%0Ad/deposits"),
        deposit("path id that is not valid UTF-8", #"{"amount": 1}"#).at("/accounts/c%C3/deposits"),
        restock("path sku of 129 bytes", #"{"quantity": 1}"#).at("/products/\(String(repeating: "x", count: 129))/restock"),
        BadRequest(label: "customerId filter of 129 bytes", service: .projection, method: "GET", path: "/orders?customerId=\(String(repeating: "x", count: 129))", contentType: nil),

        // projection-service
        notFound("unknown order id", .projection, "/orders/no-such-order"),
        notFound("unknown customer", .projection, "/customers/no-such-customer"),
        BadRequest(label: "non-numeric limit", service: .projection, method: "GET", path: "/orders?limit=abc", contentType: nil),
    ]
}

// MARK: - Error shape

/// Expects `status` and a body `{"error": {"code": "snake_case_code", "message": "non-empty"}}`
/// served as `application/json`.
func expectContractError(_ response: HTTPResponse, status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == status, "expected \(status): \(response)", sourceLocation: sourceLocation)
    let contentType = response.header("Content-Type") ?? ""
    #expect(
        contentType.lowercased().hasPrefix("application/json"),
        "an error is served as application/json, got Content-Type '\(contentType)': \(response)",
        sourceLocation: sourceLocation)
    guard let error = try? response.decode(APIErrorBody.self) else {
        Issue.record("the body is not {\"error\": {\"code\", \"message\"}}: \(response)", sourceLocation: sourceLocation)
        return
    }
    #expect(isSnakeCase(error.error.code), "error code '\(error.error.code)' is not snake_case: \(response)", sourceLocation: sourceLocation)
    #expect(
        !error.error.message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
        "the error message is empty: \(response)", sourceLocation: sourceLocation)
}

/// `payment_declined`, `not_found`: lowercase ASCII words joined by single underscores.
func isSnakeCase(_ code: String) -> Bool {
    let words = code.split(separator: "_", omittingEmptySubsequences: false)
    guard let first = words.first?.first, first.isLowercase, first.isASCII else { return false }
    return words.allSatisfy { word in
        !word.isEmpty && word.allSatisfy { ($0.isLowercase || $0.isNumber) && $0.isASCII }
    }
}
