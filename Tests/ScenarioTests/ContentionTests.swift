import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// Contention is not an error: hundreds of concurrent writes to one account, one product or one
/// order all answer 2xx (or a meaningful 4xx in the contract's shape), never 5xx, and the result
/// is the sum of what was accepted.
@Suite("Contention", .serialized, .timeLimit(.minutes(30)))
struct ContentionTests {
    @Test func threeHundredConcurrentDepositsToOneAccountAllSucceedAndAddUp() async throws {
        try await withSagaSystem { system in
            let amounts = (1...300).map { $0 }
            let burst = Burst(system.paymentService)
            let outcomes = try await concurrently(amounts) { amount in
                try await burst.post("/accounts/c-hot/deposits", json: DepositRequest(amount: amount))
            }
            let accepted = try tally(outcomes, allowed: [200])
            let account = try #require(try await system.account("c-hot"))
            #expect(account.balance == accepted.map(\.input).reduce(0, +), "balance \(account.balance)")
            #expect(account.version == accepted.count)
            #expect(accepted.count == amounts.count)
            try await system.waitForProjectedCustomerBalance("c-hot", account.balance)
        }
    }

    @Test func threeHundredConcurrentRestocksOfOneProductAllSucceedAndAddUp() async throws {
        try await withSagaSystem { system in
            let quantities = (1...300).map { $0 % 7 + 1 }
            let burst = Burst(system.inventoryService)
            let outcomes = try await concurrently(quantities) { quantity in
                try await burst.post("/products/SKU-HOT/restock", json: RestockRequest(quantity: quantity, name: "Hot"))
            }
            let accepted = try tally(outcomes, allowed: [200])
            let product = try #require(try await system.product("SKU-HOT"))
            #expect(product.available == accepted.map(\.input).reduce(0, +), "\(product)")
            #expect(accepted.count == quantities.count)
        }
    }

    @Test func concurrentCancelsOfOneOrderAnswerTwoHundredsOrConflictsAndCancelItOnce() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-1", amount: 10_000)
            try await system.restock(sku: "SKU-1", quantity: 10)
            let line = [OrderLine(sku: "SKU-1", quantity: 2, unitPrice: 300)]
            // One order still PENDING (its saga races the cancels), one already CONFIRMED.
            let racing = try await system.placeOrder(customerId: "c-1", items: line)
            let confirmedFirst = try await system.placeOrder(customerId: "c-1", items: line)
            _ = try await system.waitForFinalStatus(confirmedFirst)
            let burst = Burst(system.orderService)
            for orderId in [racing, confirmedFirst] {
                let outcomes = try await concurrently(Array(0..<100)) { _ in
                    try await burst.send("POST", "/orders/\(orderId)/cancel", body: nil)
                }
                _ = try tally(outcomes, allowed: [200, 202, 409])
                let final = try await system.waitForFinalStatus(orderId)
                let events = try await system.orderEvents(orderId)
                let cancellations = events.eventTypes.filter { $0 == "OrderCancelled" }.count
                #expect(cancellations <= 1, "order \(orderId) cancelled \(cancellations) times")
                #expect((final.status == .cancelled) == (cancellations == 1), "\(final)")
            }
            let report = await system.checkInvariants()
            #expect(report.isClean)
        }
    }

    // MARK: Helpers

    /// Sends one request per input, all at once.
    private func concurrently<Input: Sendable>(
        _ inputs: [Input], _ send: @escaping @Sendable (Input) async throws -> HTTPResponse
    ) async throws -> [(input: Input, response: HTTPResponse)] {
        try await withThrowingTaskGroup(of: (Input, HTTPResponse).self) { group in
            for input in inputs { group.addTask { (input, try await send(input)) } }
            var results: [(input: Input, response: HTTPResponse)] = []
            for try await result in group { results.append(result) }
            return results
        }
    }

    /// Records an issue for every answer outside `allowed` (and every 4xx not in the contract's
    /// error shape); returns the 2xx ones.
    private func tally<Input>(
        _ outcomes: [(input: Input, response: HTTPResponse)], allowed: Set<Int>
    ) throws -> [(input: Input, response: HTTPResponse)] {
        var byStatus: [Int: Int] = [:]
        for (_, response) in outcomes { byStatus[response.status, default: 0] += 1 }
        let unexpected = outcomes.filter { !allowed.contains($0.response.status) }
        #expect(unexpected.isEmpty, "statuses \(byStatus); first unexpected: \(unexpected.first.map { "\($0.response)" } ?? "-")")
        for (_, response) in outcomes where response.status >= 400 {
            #expect(response.errorCode?.isEmpty == false, "a \(response.status) without the error shape: \(response)")
        }
        return outcomes.filter { (200..<300).contains($0.response.status) }
    }
}

/// Sends requests to one service over as many connections at once as there are requests (the
/// scenarios' `HTTPClient` keeps a handful per host, which would queue the burst).
private final class Burst: Sendable {
    private let baseURL: URL
    private let session: URLSession

    init(_ service: ServiceProcess) {
        baseURL = service.baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 1_000
        configuration.timeoutIntervalForRequest = 60
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    func post<Body: Encodable>(_ path: String, json value: Body) async throws -> HTTPResponse {
        try await send("POST", path, body: try JSONEncoder().encode(value))
    }

    func send(_ method: String, _ path: String, body: Data?) async throws -> HTTPResponse {
        let url = try #require(URL(string: baseURL.absoluteString + path))
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
        return HTTPResponse(method: method, url: url.absoluteString, status: http.statusCode, headers: headers, body: data)
    }
}

extension SagaSystem {
    /// Polls projection-service until the customer's projected balance is `balance`.
    fileprivate func waitForProjectedCustomerBalance(_ customerId: String, _ balance: Int) async throws {
        _ = try await waitUntil("projection-service shows \(customerId) with balance \(balance)", timeout: .seconds(30)) {
            let customer = try await self.projectedCustomer(customerId)
            return customer?.balance == balance ? .done(()) : .notYet(seen: "\(customer.map { "\($0)" } ?? "404")")
        }
    }
}
