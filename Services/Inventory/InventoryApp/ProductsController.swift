import Contracts
import EventSourcing
import EventStore
import Hummingbird
import InventoryDomain
import ServiceKit

/// `/products/{sku}`: restock and stock levels.
struct ProductsController: Sendable {
    let database: EventStoreDatabase

    struct RestockRequest: Codable, Sendable {
        var quantity: Int
        var name: String?
        /// `delivery` (the default) or `customer_return`.
        var reason: RestockReason?
    }

    /// A product as `GET /products/{sku}` returns it.
    struct ProductRepresentation: Codable, Sendable {
        var sku: String
        var name: String
        var available: Int
        var reserved: Int
        var version: Int

        init(_ product: Versioned<Product>) {
            sku = product.state.sku
            name = product.state.name
            available = product.state.available
            reserved = product.state.reserved
            version = product.version
        }
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/products/:sku/restock") { request, context in
            var request = request
            let sku = try context.parameters.id("sku")
            let restock = try await request.decodeJSON(as: RestockRequest.self)
            let product = try await database.execute(
                Product.self, id: sku, context: { EventContext(correlationId: sku, causationId: nil) }
            ) { product in
                try refusalsAsHTTPErrors {
                    try product.restock(sku: sku, quantity: restock.quantity, name: restock.name, reason: restock.reason ?? .delivery)
                }
            }
            return JSONResponse(.ok, ProductRepresentation(product))
        }
        router.get("/products/:sku") { request, context in
            let sku = try context.parameters.id("sku")
            let version = try request.versionQuery()
            let product = try await database.read { try $0.load(Product.self, id: sku, upTo: version ?? Int.max) }
                .answering(version: version, name: "Product \(sku)")
            guard product.state.exists else { throw APIError.notFound("Product \(sku) does not exist.") }
            return ConditionalResponse(tag: .version(product.version), JSONResponse(.ok, ProductRepresentation(product)))
        }
    }
}

/// Runs a domain decision, turning the product's refusals into HTTP errors.
func refusalsAsHTTPErrors(_ decide: () throws -> [ProductEvent]) throws -> [ProductEvent] {
    do {
        return try decide()
    } catch let error as ProductError {
        switch error {
        case .invalid(let field, let reason): throw APIError(.badRequest, code: "invalid_field", message: "\(field) \(reason).")
        case .notFound(let sku): throw APIError.notFound("Product \(sku) does not exist.")
        case .insufficientStock: throw APIError.conflict("insufficient_stock", "\(error).")
        }
    }
}
