import EventSourcing
import EventStore
import Hummingbird
import PaymentDomain
import ServiceKit

/// `GET /payments/{orderId}`: what was charged for an order.
struct PaymentsController: Sendable {
    let database: AppDatabase

    struct PaymentRepresentation: Codable, Sendable {
        var orderId: String
        var customerId: String
        var amount: Int
        var status: PaymentStatus
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/payments/:orderId") { _, context in
            let orderId = try context.parameters.id("orderId")
            let versioned = try await database.read { try $0.load(Payment.self, id: orderId) }
            let payment = versioned.state
            guard let status = payment.status else { throw APIError.notFound("No payment for order \(orderId).") }
            let representation = PaymentRepresentation(orderId: orderId, customerId: payment.customerId, amount: payment.amount, status: status)
            return ConditionalResponse(tag: .version(versioned.version), JSONResponse(.ok, representation))
        }
    }
}
