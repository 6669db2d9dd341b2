import AppTestSupport
import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import PaymentApp
import ServiceKit
import Testing

/// `ETag`, `If-None-Match` and `Link` in-process (docs/API.md), on payment-service's routes,
/// and `/openapi.json` being the compiled document.
@Suite struct ConditionalReadTests {
    @Test(arguments: [
        (#""v2""#, true), (#"W/"v2""#, true), (#""v1", "v2""#, true), (#""v1","v2""#, true), ("*", true),
        (#""v1""#, false), ("v2", false), (#""v2"#, false), ("", false), (#"garbage, "v2""#, false),
    ])
    func ifNoneMatchIsA304OnlyWhenItNamesTheCurrentTag(_ header: String, _ matches: Bool) async throws {
        try await withTemporaryConfiguration(.payment) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                for _ in 0..<2 {
                    let deposit = try await client.execute(
                        uri: "/accounts/c-1/deposits", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"amount":5}"#))
                    #expect(deposit.status == .ok)
                }
                let response = try await client.execute(uri: "/accounts/c-1", method: .get, headers: [.ifNoneMatch: header])
                #expect(response.headers[.eTag] == #""v2""#, "the tag is the account's version")
                if matches {
                    #expect(response.status == .notModified, "If-None-Match: \(header)")
                    #expect(response.body.readableBytes == 0, "a 304 has no body")
                } else {
                    #expect(response.status == .ok, "If-None-Match: \(header)")
                    #expect(String(buffer: response.body).contains(#""balance":10"#))
                }
            }
        }
    }

    @Test func aFullFeedPageLinksTheNextAndKeepsOtherParameters() async throws {
        try await withTemporaryConfiguration(.payment) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                for _ in 0..<3 {
                    _ = try await client.execute(
                        uri: "/accounts/c-1/deposits", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"amount":5}"#))
                }
                let full = try await client.execute(uri: "/events?limit=2&after=0&extra=a%20b", method: .get)
                #expect(full.headers[.link] == #"</events?extra=a%20b&after=2&limit=2>; rel="next""#)
                let last = try await client.execute(uri: "/events?limit=2&after=2", method: .get)
                #expect(last.status == .ok && last.headers[.link] == nil, "a short page is the last one")
            }
        }
    }

    @Test func openAPIDocumentIsTheCompiledOne() async throws {
        try await withTemporaryConfiguration(.payment) { configuration in
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/openapi.json", method: .get)
                #expect(response.status == .ok && response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == OpenAPIDocument.json(of: .payment))
            }
        }
    }
}
