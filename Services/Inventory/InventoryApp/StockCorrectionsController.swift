import Contracts
import EventSourcing
import EventStore
import Foundation
import Hummingbird
import InventoryDomain
import ServiceKit

/// `POST /admin/products/{sku}/corrections`: an operator sets a product's available stock to what
/// was counted on the shelf. The difference is appended as `ProductStockCorrected`; nothing is edited.
///
/// Mounted behind ``AdminAuthMiddleware``.
struct StockCorrectionsController: Sendable {
    let database: AppDatabase

    struct CorrectionRequest: Codable, Sendable {
        /// The units counted on the shelf: the product's `available` after the correction.
        var available: Int
        /// Why, in the operator's words (kept in the event).
        var reason: String
        /// When given, the correction applies only if the product is still at this version (else 409):
        /// a count taken at version N is not applied over reservations made since.
        var expectedVersion: Int?
    }

    func register(on router: some RouterMethods<BasicRequestContext>) {
        router.post("/products/:sku/corrections") { request, context in
            var request = request
            let sku = try context.parameters.id("sku")
            let correction = try await request.decodeJSON(as: CorrectionRequest.self)
            let product = try await database.write { transaction in
                let product = try transaction.load(Product.self, id: sku)
                guard product.state.exists else { throw APIError.notFound("Product \(sku) does not exist.") }
                if let expected = correction.expectedVersion, expected != product.version {
                    throw APIError.conflict("version_mismatch", "Product \(sku) is at version \(product.version), not \(expected): count again.")
                }
                let events = try refusalsAsHTTPErrors { try product.state.correctStock(counted: correction.available, reason: correction.reason) }
                try transaction.append(events, to: product, id: sku, context: EventContext(correlationId: sku, causationId: nil))
                return Versioned(state: events.reduce(product.state) { $0.evolve(with: $1) }, version: product.version + events.count)
            }
            return JSONResponse(.ok, ProductsController.ProductRepresentation(product))
        }
    }
}
