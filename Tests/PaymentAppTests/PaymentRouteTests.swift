import AppTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// `GET /payments/{orderId}`: what was charged for an order, once payment-service handled it.
@Suite struct PaymentRouteTests {
    @Test func noPaymentBeforeTheOrderIsHandledIs404() async throws {
        try await PaymentService.run { service in
            expectContractError(try await service.client.get("/payments/o-1"), .notFound, code: "not_found")
        }
    }

    @Test func anAuthorizedPaymentIsServedWithEveryField() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            try await service.react(to: try OrderEvents.placed("o-1"))

            let payment = try await service.client.get("/payments/o-1")
            #expect(payment.status == .ok)
            #expect(payment.json.keys == ["orderId", "customerId", "amount", "status"])
            #expect(payment.json["orderId"].string == "o-1")
            #expect(payment.json["customerId"].string == "c-1")
            #expect(payment.json["amount"].int == 2500)
            #expect(payment.json["status"].string == "AUTHORIZED")
        }
    }

    @Test func aDeclinedAndARefundedPaymentShowTheirStatus() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            try await service.react(to: try OrderEvents.placed("o-paid"))
            try await service.react(to: try OrderEvents.cancelled("o-paid"))
            try await service.react(to: try OrderEvents.placed("o-broke", customerId: "c-without-account"))

            #expect(try await service.paymentStatus("o-paid") == "REFUNDED")
            #expect(try await service.paymentStatus("o-broke") == "DECLINED")
        }
    }
}
