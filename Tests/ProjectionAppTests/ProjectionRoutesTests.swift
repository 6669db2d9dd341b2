import AppTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import ProjectionApp
import ServiceKit
import Testing

/// The projection-service built by `buildApplication`, on a temporary store, without a broker or feeds.
@Suite struct ProjectionRoutesTests {
    @Test func anUnprojectedOrderAnswers404InTheErrorShape() async throws {
        try await withTemporaryConfiguration(.projection) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/orders/no-such-order", method: .get)
                #expect(response.status == .notFound)
                #expect(try ErrorBody(Data(buffer: response.body)).error.code == "not_found")
            }
        }
    }

    @Test func anEmptyReadModelListsNoOrders() async throws {
        try await withTemporaryConfiguration(.projection) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/orders", method: .get)
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""orders":[]"#))
            }
        }
    }

    @Test func sourceURLsThatDoNotNameTheThreeFeedsAreAStartupFailure() async throws {
        let failure = try await withTemporaryConfiguration(.projection, environment: ["SOURCE_URLS": "http://127.0.0.1:1"]) { configuration in
            await #expect(throws: StartupFailure.self) { _ = try await buildApplication(configuration: configuration) }
        }
        #expect(failure?.reason.hasPrefix("projection-service: invalid configuration: SOURCE_URLS") == true)
    }
}
