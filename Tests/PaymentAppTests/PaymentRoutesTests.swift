import AppTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import PaymentApp
import Testing

/// The payment-service built by `buildApplication`, on a temporary store, without a broker.
@Suite struct PaymentRoutesTests {
    @Test func aDepositOpensTheAccountWithThatBalance() async throws {
        try await withTemporaryConfiguration(.payment) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let deposit = try await client.execute(
                    uri: "/accounts/c-1/deposits", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"amount":500}"#)
                )
                #expect(deposit.status == .ok)
                let read = try await client.execute(uri: "/accounts/c-1", method: .get)
                #expect(read.status == .ok)
                let account = try JSONDecoder().decode([String: AnyScalar].self, from: Data(buffer: read.body))
                #expect(account["balance"] == .int(500))
            }
        }
    }

    @Test func aNegativeDepositAnswers400InTheErrorShape() async throws {
        try await withTemporaryConfiguration(.payment) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(
                    uri: "/accounts/c-1/deposits", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"amount":-5}"#)
                )
                #expect(response.status == .badRequest)
                #expect(try ErrorBody(Data(buffer: response.body)).error.code == "invalid_field")
                #expect(try await client.execute(uri: "/accounts/c-1", method: .get).status == .notFound)
            }
        }
    }

    @Test func anUnknownPaymentAnswers404InTheErrorShape() async throws {
        try await withTemporaryConfiguration(.payment) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/payments/no-such-order", method: .get)
                #expect(response.status == .notFound)
                #expect(try ErrorBody(Data(buffer: response.body)).error.code == "not_found")
            }
        }
    }
}

/// A JSON value that is a string or an integer, for reading a representation's fields.
enum AnyScalar: Decodable, Equatable {
    case int(Int)
    case string(String)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) { self = .int(value) } else { self = .string(try container.decode(String.self)) }
    }
}
