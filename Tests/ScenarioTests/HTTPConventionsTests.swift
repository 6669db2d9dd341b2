import Foundation
import Testing
import TestSupport

/// The HTTP conventions of docs/API.md against the running services: `/openapi.json` is the
/// repository's document, reads of one resource carry an `ETag` and answer `304` to a matching
/// `If-None-Match`, and lists name their next page in a `Link` header.
@Suite("HTTP conventions: documents, ETags, paging", .sharedSagaSystem(), .timeLimit(.minutes(20)))
struct HTTPConventionsTests {
    // MARK: The documents

    @Test(arguments: ServiceName.allCases)
    func servedOpenAPIDocumentIsTheRepositoryFileByteForByte(_ service: ServiceName) async throws {
        let response = try await SagaSystem.requireShared().service(service).client.get("/openapi.json")
        #expect(response.status == 200, "\(response)")
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true, "\(response.headers)")
        let file = try Data(contentsOf: Self.packageRoot.appending(path: "docs/openapi/\(service.rawValue).json"))
        #expect(response.body == file, "GET /openapi.json of \(service) differs from docs/openapi/\(service.rawValue).json")
    }

    // MARK: ETag and 304

    @Test func accountReadCarriesItsVersionAsETagAndAnswers304UntilItChanges() async throws {
        let system = try SagaSystem.requireShared()
        let client = system.paymentService.client
        _ = try await system.deposit(customerId: "c-etag", amount: 100)

        let first = try await client.get("/accounts/c-etag")
        #expect(first.status == 200 && first.header("ETag") == #""v1""#, "\(first) \(first.headers)")

        for header in [#""v1""#, #"W/"v1""#, #""v0", "v1""#, "*"] {
            let cached = try await client.get("/accounts/c-etag", headers: ["If-None-Match": header])
            #expect(cached.status == 304, "If-None-Match: \(header) names the current tag: \(cached)")
            #expect(cached.body.isEmpty, "a 304 has no body: \(cached)")
            #expect(cached.header("ETag") == #""v1""#, "a 304 repeats the tag: \(cached.headers)")
        }
        let other = try await client.get("/accounts/c-etag", headers: ["If-None-Match": #""v0""#])
        #expect(other.status == 200 && other.json?["balance"]?.intValue == 100, "another tag gets the representation: \(other)")

        _ = try await system.deposit(customerId: "c-etag", amount: 50)
        let changed = try await client.get("/accounts/c-etag", headers: ["If-None-Match": #""v1""#])
        #expect(changed.status == 200 && changed.header("ETag") == #""v2""#, "a new version is a new tag: \(changed) \(changed.headers)")
        #expect(changed.json?["balance"]?.intValue == 150, "\(changed)")

        let old = try await client.get("/accounts/c-etag?version=1", headers: ["If-None-Match": #""v1""#])
        #expect(old.status == 304, "?version=1 is the representation tagged v1: \(old)")
        let oldFull = try await client.get("/accounts/c-etag?version=1")
        #expect(oldFull.header("ETag") == #""v1""# && oldFull.json?["balance"]?.intValue == 100, "\(oldFull) \(oldFull.headers)")
    }

    @Test func unknownResourceIsA404EvenForIfNoneMatchStar() async throws {
        let client = try SagaSystem.requireShared().paymentService.client
        let response = try await client.get("/accounts/c-etag-none", headers: ["If-None-Match": "*"])
        #expect(response.status == 404 && response.errorCode == "not_found", "\(response)")
    }

    @Test func everyAggregateReadOfTheOwningServicesIsTagged() async throws {
        let system = try SagaSystem.requireShared()
        _ = try await system.deposit(customerId: "c-etag-all", amount: 10_000)
        _ = try await system.restock(sku: "SKU-ETAG", quantity: 10, name: "Tagged")
        let orderId = try await system.placeOrder(customerId: "c-etag-all", items: [OrderLine(sku: "SKU-ETAG", quantity: 1, unitPrice: 100)])
        _ = try await system.waitForFinalStatus(orderId)

        let reads: [(TestSupport.HTTPClient, String)] = [
            (system.orderService.client, "/orders/\(orderId)"),
            (system.orderService.client, "/orders/\(orderId)?version=1"),
            (system.orderService.client, "/orders/\(orderId)/events"),
            (system.paymentService.client, "/payments/\(orderId)"),
            (system.inventoryService.client, "/products/SKU-ETAG"),
            (system.inventoryService.client, "/products/SKU-ETAG?version=1"),
        ]
        for (client, path) in reads {
            let full = try await client.get(path)
            let tag = try #require(full.header("ETag"), "\(path) carries an ETag: \(full) \(full.headers)")
            #expect(full.status == 200 && tag.hasPrefix(#""v"#), "\(path): \(full)")
            let cached = try await client.get(path, headers: ["If-None-Match": tag])
            #expect(cached.status == 304 && cached.body.isEmpty, "\(path) with If-None-Match \(tag): \(cached)")
        }
        let order = try await system.orderService.client.get("/orders/\(orderId)")
        #expect(order.header("ETag") == "\"v\(order.json?["version"]?.intValue ?? -1)\"", "the order's tag is its version: \(order.headers)")
    }

    @Test func projectedOrderTagChangesWhenTheReadSideAppliesMore() async throws {
        let system = try SagaSystem.requireShared()
        _ = try await system.deposit(customerId: "c-etag-read", amount: 10_000)
        _ = try await system.restock(sku: "SKU-ETAG-READ", quantity: 10)
        let orderId = try await system.placeOrder(customerId: "c-etag-read", items: [OrderLine(sku: "SKU-ETAG-READ", quantity: 1, unitPrice: 100)])
        _ = try await system.waitForFinalStatus(orderId)
        try await system.waitForProjectedOrder(orderId, "CONFIRMED with its stock reserved") {
            $0.status == .confirmed && $0.inventory?.status == .reserved
        }
        let client = system.projectionService.client
        let paths = ["/orders/\(orderId)", "/orders/\(orderId)/timeline", "/customers/c-etag-read"]
        var tags: [String: String] = [:]
        for path in paths {
            // The tag covers the whole read side, and other tests share the system: when it applied
            // something between the two requests, the second answers 200 with a new tag. Try again.
            for _ in 0..<20 where tags[path] == nil {
                let full = try await client.get(path)
                let tag = try #require(full.header("ETag"), "\(path) carries an ETag: \(full) \(full.headers)")
                let cached = try await client.get(path, headers: ["If-None-Match": tag])
                if cached.status == 304 {
                    #expect(cached.body.isEmpty, "\(path): a 304 has no body: \(cached)")
                    tags[path] = tag
                } else {
                    #expect(cached.status == 200 && cached.header("ETag") != tag, "\(path) with its own tag: \(cached)")
                }
            }
            #expect(tags[path] != nil, "\(path) answered 304 to its own tag in one of 20 tries")
        }

        _ = try await system.cancelOrder(orderId)
        try await system.waitForProjectedOrder(orderId, "CANCELLED with its stock released") {
            $0.status == .cancelled && $0.inventory?.status == .released
        }
        for path in paths {
            let after = try await client.get(path, headers: ["If-None-Match": try #require(tags[path])])
            #expect(after.status == 200, "\(path) changed, so the old tag no longer matches: \(after)")
            #expect(after.header("ETag") != tags[path], "\(path): a new representation has a new tag: \(after.headers)")
        }
    }

    // MARK: Paging

    @Test func projectedOrderListNamesItsNextPageInALinkHeaderUntilTheLast() async throws {
        let system = try SagaSystem.requireShared()
        let customer = "c-paging"
        _ = try await system.deposit(customerId: customer, amount: 10_000)
        _ = try await system.restock(sku: "SKU-PAGING", quantity: 10)
        var placed: Set<String> = []
        for _ in 0..<3 {
            placed.insert(try await system.placeOrder(customerId: customer, items: [OrderLine(sku: "SKU-PAGING", quantity: 1, unitPrice: 10)]))
        }
        for orderId in placed {
            try await system.waitForProjectedOrder(orderId, "placed") { _ in true }
        }

        let client = system.projectionService.client
        var path: String? = "/orders?customerId=\(customer)&limit=2"
        var seen: [String] = []
        var pages = 0
        while let next = path, pages < 5 {
            let page = try await client.get(next)
            #expect(page.status == 200, "\(page)")
            pages += 1
            seen += page.json?["orders"]?.arrayValue?.compactMap { $0["orderId"]?.stringValue } ?? []
            let cursor = page.json?["nextCursor"]?.stringValue
            path = try Self.nextLink(page)
            #expect((path == nil) == (cursor == nil), "the Link header and nextCursor agree: \(page.headers) \(page)")
            if let path, let cursor {
                #expect(path.contains("cursor=\(cursor)") && path.contains("customerId=\(customer)") && path.contains("limit=2"),
                        "the link keeps the filters and sets the cursor: \(path)")
            }
        }
        #expect(pages == 2, "3 orders at 2 a page are 2 pages")
        #expect(Set(seen) == placed && seen.count == 3, "every order once, through the links: \(seen)")
    }

    @Test func eventFeedLinksAFullPageToTheNextPosition() async throws {
        let system = try SagaSystem.requireShared()
        _ = try await system.deposit(customerId: "c-feed-link", amount: 1)
        _ = try await system.deposit(customerId: "c-feed-link", amount: 1)
        let client = system.paymentService.client

        let first = try await client.get("/events?after=0&limit=1")
        let link = try #require(try Self.nextLink(first), "a full page links the next one: \(first.headers)")
        let nextPosition = try #require(first.json?["nextPosition"]?.intValue)
        #expect(link == "/events?after=\(nextPosition)&limit=1", "\(link)")
        let second = try await client.get(link)
        #expect(second.json?["events"]?[0]?["position"]?.intValue ?? 0 > nextPosition, "the link leads on: \(second)")

        let end = try await client.get("/events?after=\(Int64.max - 1)&limit=5")
        #expect(try Self.nextLink(end) == nil && end.status == 200, "a short page is the last: \(end.headers)")
    }

    // MARK: Headers

    @Test func idempotencyKeyThatWasNotUTF8IsRefused() async throws {
        let system = try SagaSystem.requireShared()
        let body = PlaceOrderRequest(customerId: "c-key-bytes", items: [OrderLine(sku: "SKU-KEY", quantity: 1, unitPrice: 1)])
        // Bytes that are not UTF-8 reach the route as U+FFFD: the key is refused, not taken as "\u{FFFD}".
        let response = try await system.orderService.client.post("/orders", json: body, headers: ["Idempotency-Key": "key-\u{FFFD}"])
        #expect(response.status == 400 && response.errorCode == "invalid_request", "\(response)")
        let plain = try await system.orderService.client.post("/orders", json: body, headers: ["Idempotency-Key": "key-é"])
        #expect(plain.status == 202, "a UTF-8 key beyond ASCII is fine: \(plain)")
    }

    // MARK: Helpers

    /// The target of `Link: <...>; rel="next"`, nil when there is none.
    static func nextLink(_ response: TestSupport.HTTPResponse) throws -> String? {
        guard let header = response.header("Link") else { return nil }
        guard header.hasPrefix("<"), let end = header.firstIndex(of: ">"), header.hasSuffix(#"; rel="next""#) else {
            throw HTTPClientError("not a next link: \(header)")
        }
        return String(header[header.index(after: header.startIndex)..<end])
    }

    static let packageRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
