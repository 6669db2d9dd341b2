import Foundation
import TestSupport

/// The invariant checks' reads, answered by the services' real routes in-process: the same
/// JSON the scenario tests read over HTTP, decoded into the same shapes.
struct InProcessSagaReads: SagaReads {
    let order: InProcessRoutes
    let payment: InProcessRoutes
    let inventory: InProcessRoutes
    let projection: InProcessRoutes

    struct UnexpectedAnswer: Error, CustomStringConvertible {
        var description: String
    }

    private func get<T: Decodable>(_ routes: InProcessRoutes, _ uri: String, allowNotFound: Bool = true) async throws -> T? {
        let (status, body) = try await routes.send(.get, uri)
        if status == 404, allowNotFound { return nil }
        guard status == 200 else {
            throw UnexpectedAnswer(description: "GET \(uri) answered \(status): \(String(decoding: body, as: UTF8.self))")
        }
        return try JSONDecoder().decode(T.self, from: body)
    }

    func order(_ orderId: String) async throws -> Order? { try await get(order, "/orders/\(orderId)") }
    func payment(orderId: String) async throws -> Payment? { try await get(payment, "/payments/\(orderId)") }
    func account(_ customerId: String) async throws -> Account? { try await get(payment, "/accounts/\(customerId)") }
    func product(_ sku: String) async throws -> Product? { try await get(inventory, "/products/\(sku)") }
    func projectedOrder(_ orderId: String) async throws -> ProjectedOrder? { try await get(projection, "/orders/\(orderId)") }
    func projectedCustomer(_ customerId: String) async throws -> ProjectedCustomer? { try await get(projection, "/customers/\(customerId)") }

    func projectedOrderList(status: OrderStatus?, customerId: String?, pageSize: Int) async throws -> [ProjectedOrder] {
        var orders: [ProjectedOrder] = []
        var cursor: String?
        for _ in 0..<1000 {
            var query = ["limit=\(pageSize)"]
            if let status { query.append("status=\(status.rawValue)") }
            if let customerId { query.append("customerId=\(customerId)") }
            if let cursor { query.append("cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor)") }
            let page: ProjectedOrdersPage? = try await get(projection, "/orders?" + query.joined(separator: "&"), allowNotFound: false)
            orders += page?.orders ?? []
            guard let next = page?.nextCursor, !next.isEmpty else { return orders }
            cursor = next
        }
        throw UnexpectedAnswer(description: "projection GET /orders did not end within 1000 pages")
    }

    func projectedProducts() async throws -> [ProjectedProduct] {
        let products: ProjectedProducts? = try await get(projection, "/products", allowNotFound: false)
        return products?.products ?? []
    }
}
