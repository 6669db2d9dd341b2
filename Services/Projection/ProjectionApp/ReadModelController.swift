import Contracts
import EventStore
import Foundation
import Hummingbird
import ServiceKit

/// The read side: orders with their payment and stock, customers, products, saga timelines, statistics.
struct ReadModelController: Sendable {
    let store: ReadStore
    let lag: SourceLag

    struct OrderPage: Codable, Sendable {
        var orders: [OrderView]
        /// `null` on the last page: the field is always there, as the contract shows it.
        var nextCursor: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(orders, forKey: .orders)
            try container.encode(nextCursor, forKey: .nextCursor)
        }
    }

    struct CustomerView: Codable, Sendable {
        var customerId: String
        var balance: Int
        var orders: [OrderView]
    }

    struct Stats: Codable, Sendable {
        struct SourceProgress: Codable, Sendable {
            /// When the newest event applied from this source happened; absent before the first.
            var lastEventAt: Date?
            var eventsApplied: Int
            /// The position in the source's store up to which every event is applied.
            var position: Int64
            /// The newest position known of the source (its feed or the broker).
            var headPosition: Int64
        }
        var orders: [String: Int]
        var sources: [String: SourceProgress]
        /// Per source, events committed there and not applied here yet (head minus applied position).
        var lag: [String: Int64]
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/orders") { request, _ in try await listOrders(request) }
        router.get("/orders/:orderId") { _, context in
            let orderId = try context.parameters.id("orderId")
            let (order, tag) = try await store.read { reader in (try reader.order(orderId), try reader.tag()) }
            guard let order else { throw APIError.notFound("Order \(orderId) is not known to the read side.") }
            return ConditionalResponse(tag: tag, JSONResponse(.ok, order))
        }
        router.get("/orders/:orderId/timeline") { _, context in
            let orderId = try context.parameters.id("orderId")
            let (entries, tag) = try await store.read { reader in (try reader.timeline(of: orderId), try reader.tag()) }
            guard !entries.isEmpty else { throw APIError.notFound("Order \(orderId) is not known to the read side.") }
            return ConditionalResponse(tag: tag, JSONResponse(.ok, ["events": TimelineEntry.causalOrder(entries)]))
        }
        router.get("/customers/:customerId") { _, context in
            let customerId = try context.parameters.id("customerId")
            let (customer, tag) = try await store.read { reader -> (CustomerView?, EntityTag) in
                let tag = try reader.tag()
                let balance = try reader.balance(of: customerId)
                let orders = try reader.orders(of: customerId)
                guard balance != nil || !orders.isEmpty else { return (nil, tag) }
                return (CustomerView(customerId: customerId, balance: balance ?? 0, orders: orders), tag)
            }
            guard let customer else { throw APIError.notFound("Customer \(customerId) is not known to the read side.") }
            return ConditionalResponse(tag: tag, JSONResponse(.ok, customer))
        }
        router.get("/products") { _, _ in
            let products = try await store.read { try $0.products() }
            return JSONResponse(.ok, ["products": products])
        }
        router.get("/stats") { _, _ in
            var stats = try await store.read { reader in
                let orders = try reader.orderCounts()
                let positions = try reader.positions()
                var sources: [String: Stats.SourceProgress] = [:]
                for (source, position) in positions {
                    sources[source.rawValue] = Stats.SourceProgress(lastEventAt: nil, eventsApplied: 0, position: position, headPosition: position)
                }
                for (service, progress) in try reader.sourceProgress() {
                    sources[service]?.lastEventAt = progress.lastEventAt
                    sources[service]?.eventsApplied = progress.applied
                }
                return Stats(orders: orders, sources: sources, lag: [:])
            }
            for (source, progress) in stats.sources {
                guard let name = ServiceName(rawValue: source) else { continue }
                stats.lag[source] = lag.lag(of: name, applied: progress.position)
                stats.sources[source]?.headPosition = max(progress.position, lag.heads[name] ?? 0)
            }
            return JSONResponse(.ok, stats)
        }
    }

    private func listOrders(_ request: Request) async throws -> JSONResponse<OrderPage> {
        let page = try await orderPage(request)
        let link = page.nextCursor.map { request.nextPageLink(["cursor": $0]) } ?? [:]
        return JSONResponse(.ok, page, headers: link)
    }

    private func orderPage(_ request: Request) async throws -> OrderPage {
        let limit = try request.integerQuery("limit", default: 50, in: 1...500)
        let status = request.query("status")
        if let status, !["PENDING", "CONFIRMED", "CANCELLED"].contains(status) {
            throw APIError(.badRequest, code: "invalid_parameter", message: "status must be PENDING, CONFIRMED or CANCELLED.")
        }
        let customerId = try request.idQuery("customerId")
        let cursor = try request.query("cursor").map { try OrderCursor($0) }
        let page = try await store.read { reader in
            try reader.orders(status: status, customerId: customerId, after: cursor, limit: limit)
        }
        return OrderPage(orders: page.orders, nextCursor: page.next?.encoded)
    }
}

struct OrderCursor: Sendable {
    var createdAt: String
    var orderId: String

    init(createdAt: String, orderId: String) {
        self.createdAt = createdAt
        self.orderId = orderId
    }

    init(_ encoded: String) throws {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              let separator = text.firstIndex(of: "|") else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "cursor is not one this service issued.")
        }
        createdAt = String(text[..<separator])
        orderId = String(text[text.index(after: separator)...])
    }

    var encoded: String {
        Data("\(createdAt)|\(orderId)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
