import AppTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `/accounts/{customerId}`: deposits open and fill an account; bad deposits are refused and open nothing.
@Suite struct AccountRouteTests {
    @Test func theFirstDepositOpensTheAccount() async throws {
        try await PaymentService.run { service in
            let response = try await service.client.post("/accounts/c-1/deposits", json: #"{"amount": 10000}"#)

            #expect(response.status == .ok)
            #expect(response.json.keys == ["customerId", "balance", "version"])
            #expect(response.json["customerId"].string == "c-1")
            #expect(response.json["balance"].int == 10000)
            #expect(response.json["version"].int == 1)
        }
    }

    @Test func depositsAddUpAndEachIsAVersion() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            try await service.deposit(2500)

            let account = try await service.client.get("/accounts/c-1")
            #expect(account.status == .ok)
            #expect(account.json["balance"].int == 12500)
            #expect(account.json["version"].int == 2)
        }
    }

    @Test func aDepositIsAnAccountDepositedEventInTheFeed() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)

            let feed = try await service.client.get("/events").json["events"]
            #expect(feed[0]["eventType"].string == "AccountDeposited")
            #expect(feed[0]["aggregateType"].string == "Account")
            #expect(feed[0]["payload"]["balance"].int == 10000)
        }
    }

    @Test func anAccountIsReadAsOfAnEarlierVersion() async throws {
        try await PaymentService.run { service in
            try await service.deposit(100)
            try await service.deposit(200)

            let first = try await service.client.get("/accounts/c-1?version=1")
            #expect(first.json["balance"].int == 100)
            #expect(first.json["version"].int == 1)
            expectContractError(try await service.client.get("/accounts/c-1?version=3"), .notFound, code: "not_found")
            expectContractError(try await service.client.get("/accounts/c-1?version=0"), .badRequest, code: "invalid_parameter")
        }
    }

    @Test func aPercentEncodedCustomerIdIsTheDecodedString() async throws {
        try await PaymentService.run { service in
            _ = try await service.client.post("/accounts/caf%C3%A9%2F1/deposits", json: #"{"amount": 5}"#)

            let account = try await service.client.get("/accounts/caf%C3%A9%2F1")
            #expect(account.json["customerId"].string == "café/1")
            #expect(account.json["balance"].int == 5)
        }
    }

    @Test func anUnknownAccountIs404() async throws {
        try await PaymentService.run { service in
            expectContractError(try await service.client.get("/accounts/nobody"), .notFound, code: "not_found")
        }
    }

    @Test(arguments: [
        (#"{"amount": "#, HTTPResponse.Status.badRequest, "invalid_json"),
        (#"{"amount": 0}"#, .badRequest, "invalid_field"),
        (#"{"amount": -500}"#, .badRequest, "invalid_field"),
        (#"{"amount": 1000000000001}"#, .badRequest, "invalid_field"),
        (#"{"amount": 10.5}"#, .badRequest, "invalid_json"),
        (#"{"amount": 100.0}"#, .badRequest, "invalid_field"),
        (#"{"amount": 1e2}"#, .badRequest, "invalid_field"),
        (#"{"amount": "100"}"#, .badRequest, "invalid_json"),
        ("{}", .badRequest, "invalid_json"),
        ("[]", .badRequest, "invalid_json"),
    ])
    func aBadDepositIsRefusedAndOpensNoAccount(_ body: String, _ status: HTTPResponse.Status, _ code: String) async throws {
        try await PaymentService.run { service in
            expectContractError(try await service.client.post("/accounts/c-1/deposits", json: body), status, code: code)
            #expect(try await service.balance() == nil, "a refused deposit opens no account")
            #expect(try await service.outbox().isEmpty)
        }
    }

    @Test func aDepositInAnotherContentTypeIs415() async throws {
        try await PaymentService.run { service in
            expectContractError(try await service.client.post("/accounts/c-1/deposits", json: #"{"amount": 1}"#, contentType: "text/plain"),
                                .unsupportedMediaType, code: "unsupported_media_type")
        }
    }

    @Test(arguments: ["c%00d", "c%0Ad", "c%C3", String(repeating: "%C3%A9", count: 65)])
    func aPathIdThatBreaksTheIdRuleIs400InvalidId(_ customerId: String) async throws {
        try await PaymentService.run { service in
            expectContractError(try await service.client.post("/accounts/\(customerId)/deposits", json: #"{"amount": 1}"#), .badRequest, code: "invalid_id")
            expectContractError(try await service.client.get("/accounts/\(customerId)"), .badRequest, code: "invalid_id")
            expectContractError(try await service.client.get("/payments/\(customerId)"), .badRequest, code: "invalid_id")
        }
    }
}
