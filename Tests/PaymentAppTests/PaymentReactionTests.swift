import AppTestSupport
import Contracts
import EventStore
import Foundation
import HummingbirdTesting
@testable import PaymentApp
import Testing

/// The payment's side of the saga on the service's real store: given accounts and payments,
/// when an order's event arrives, then the events in the outbox and the balances.
@Suite struct PaymentReactionTests {
    private func outboxTypes(_ service: PaymentService) async throws -> [String] {
        try await service.outbox().map(\.metadata.eventType)
    }

    // MARK: Happy path

    @Test func anOrderTheBalanceCoversIsChargedAndPaymentAuthorizedCarriesItsLines() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            let placed = try OrderEvents.placed("o-1")

            try await service.react(to: placed)

            #expect(try await service.balance() == 7500)
            #expect(try await outboxTypes(service) == ["AccountDeposited", "AccountDebited", "PaymentAuthorized"])
            let authorized = try #require(try await service.outbox().last)
            #expect(authorized.metadata.routingKey == "payment.authorized")
            #expect(authorized.metadata.aggregateId == "o-1")
            #expect(authorized.metadata.correlationId == "o-1")
            #expect(authorized.metadata.causationId == placed.metadata.eventId)
            let payload = try JSONCoding.decoder().decode(PaymentAuthorized.self, from: authorized.payloadJSON)
            #expect(payload == PaymentAuthorized(orderId: "o-1", customerId: "c-1", amount: 2500, items: [StockLine(sku: "SKU-1", quantity: 2)]))
        }
    }

    @Test func aBalanceOfExactlyTheTotalIsEnough() async throws {
        try await PaymentService.run { service in
            try await service.deposit(2500)

            try await service.react(to: try OrderEvents.placed("o-1"))

            #expect(try await service.balance() == 0)
            #expect(try await service.paymentStatus("o-1") == "AUTHORIZED")
        }
    }

    @Test func aSecondOrderPlacedForTheSameOrderChargesNothingMore() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            try await service.react(to: try OrderEvents.placed("o-1"))

            try await service.react(to: try OrderEvents.placed("o-1"))

            #expect(try await service.balance() == 7500)
            #expect(try await outboxTypes(service) == ["AccountDeposited", "AccountDebited", "PaymentAuthorized"])
        }
    }

    // MARK: Compensation: declined

    @Test func anOrderOfACustomerWithoutAccountIsDeclinedAsNoAccount() async throws {
        try await PaymentService.run { service in
            try await service.react(to: try OrderEvents.placed("o-1", customerId: "c-new"))

            #expect(try await outboxTypes(service) == ["PaymentDeclined"])
            let declined = try JSONCoding.decoder().decode(PaymentDeclined.self, from: try #require(try await service.outbox().last).payloadJSON)
            #expect(declined.reason == .noAccount)
            #expect(declined.amount == 2500)
            #expect(try await service.balance(of: "c-new") == nil, "declining opens no account")
        }
    }

    @Test func anOrderOverTheBalanceIsDeclinedAsInsufficientFundsAndTakesNothing() async throws {
        try await PaymentService.run { service in
            try await service.deposit(2499)

            try await service.react(to: try OrderEvents.placed("o-1"))

            #expect(try await service.balance() == 2499)
            #expect(try await outboxTypes(service) == ["AccountDeposited", "PaymentDeclined"])
            let declined = try JSONCoding.decoder().decode(PaymentDeclined.self, from: try #require(try await service.outbox().last).payloadJSON)
            #expect(declined.reason == .insufficientFunds)
            #expect(try await service.outbox().last?.metadata.routingKey == "payment.declined")
        }
    }

    // MARK: Compensation: refunds

    @Test func stockThatFailedIsRefundedAsOutOfStock() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            try await service.react(to: try OrderEvents.placed("o-1"))
            let failed = try OrderEvents.reservationFailed("o-1")

            try await service.react(to: failed)

            #expect(try await service.balance() == 10000)
            #expect(try await service.paymentStatus("o-1") == "REFUNDED")
            #expect(try await outboxTypes(service).suffix(2) == ["AccountCredited", "PaymentRefunded"])
            let refunded = try #require(try await service.outbox().last)
            #expect(refunded.metadata.routingKey == "payment.refunded")
            #expect(refunded.metadata.causationId == failed.metadata.eventId)
            let payload = try JSONCoding.decoder().decode(PaymentRefunded.self, from: refunded.payloadJSON)
            #expect(payload == PaymentRefunded(orderId: "o-1", customerId: "c-1", amount: 2500, reason: .outOfStock))
        }
    }

    @Test func stockThatFailedBeforeThePaymentIsKnownFailsToBeRetriedLater() async throws {
        try await PaymentService.run { service in
            let early = try OrderEvents.reservationFailed("o-1")

            await #expect(throws: PaymentHandlingError.self) { try await service.react(to: early) }
            #expect(try await service.outbox().isEmpty)
        }
    }

    @Test func aReservationRefusedBecauseTheOrderWasCancelledNeedsNothingFromPayment() async throws {
        try await PaymentService.run { service in
            try await service.react(to: try OrderEvents.reservationFailed("o-1", reason: .orderCancelled))

            #expect(try await service.outbox().isEmpty)
        }
    }

    @Test(arguments: [CancellationReason.customerRequest, .timeout])
    func cancellingAChargedOrderRefundsItWithTheCancellationsReason(_ reason: CancellationReason) async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            try await service.react(to: try OrderEvents.placed("o-1"))

            try await service.react(to: try OrderEvents.cancelled("o-1", reason: reason))

            #expect(try await service.balance() == 10000)
            let payload = try JSONCoding.decoder().decode(PaymentRefunded.self, from: try #require(try await service.outbox().last).payloadJSON)
            #expect(payload.reason == reason)
        }
    }

    @Test func aCancellationBeforeTheOrderArrivesIsRememberedSoTheLateOrderChargesNothing() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)

            try await service.react(to: try OrderEvents.cancelled("o-1"))
            try await service.react(to: try OrderEvents.placed("o-1"))

            #expect(try await service.balance() == 10000)
            #expect(try await service.paymentStatus("o-1") == "DECLINED")
            let declined = try JSONCoding.decoder().decode(PaymentDeclined.self, from: try #require(try await service.outbox().last).payloadJSON)
            #expect(declined.reason == .orderCancelled)
            #expect(declined.amount == 0)
            #expect(try await outboxTypes(service) == ["AccountDeposited", "PaymentDeclined"])
        }
    }

    @Test func aRefundedOrderIsNeverRefundedTwice() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            try await service.react(to: try OrderEvents.placed("o-1"))
            try await service.react(to: try OrderEvents.cancelled("o-1"))

            try await service.react(to: try OrderEvents.reservationFailed("o-1"))
            try await service.react(to: try OrderEvents.cancelled("o-1", reason: .timeout))

            #expect(try await service.balance() == 10000)
            #expect(try await outboxTypes(service).filter { $0 == "PaymentRefunded" }.count == 1)
        }
    }

    @Test func cancellingADeclinedOrderChangesNothing() async throws {
        try await PaymentService.run { service in
            try await service.react(to: try OrderEvents.placed("o-1", customerId: "c-new"))

            try await service.react(to: try OrderEvents.cancelled("o-1", customerId: "c-new", reason: .paymentDeclined))

            #expect(try await outboxTypes(service) == ["PaymentDeclined"])
        }
    }

    // MARK: What payment does not react to, or cannot take

    @Test(arguments: [
        try Envelopes.received(OrderConfirmed(orderId: "o-1", confirmedAt: Date(timeIntervalSince1970: 0)), aggregateId: "o-1", correlationId: "o-1"),
        try Envelopes.received(InventoryReserved(orderId: "o-1", items: [StockLine(sku: "S", quantity: 1)]), aggregateId: "o-1", correlationId: "o-1"),
        try Envelopes.received(PaymentAuthorized(orderId: "o-1", customerId: "c-1", amount: 1, items: [StockLine(sku: "S", quantity: 1)]), aggregateId: "o-1", correlationId: "o-1"),
    ])
    func anEventTypePaymentDoesNotReactToIsRefusedAsNotAReaction(_ envelope: EventEnvelope) async throws {
        try await PaymentService.run { service in
            await #expect {
                try await service.react(to: envelope)
            } throws: { error in
                guard case EnvelopeError.notAReaction(let type) = error else { return false }
                return type == envelope.metadata.eventType
            }
        }
    }

    @Test func anOrderPlacedWhoseTotalIsNotTheSumOfItsLinesIsMalformedAndChargesNothing() async throws {
        try await PaymentService.run { service in
            try await service.deposit(10000)
            let forged = OrderPlaced(orderId: "o-1", customerId: "c-1", currency: "USD", items: OrderEvents.lines, total: 1, placedAt: Date(timeIntervalSince1970: 0))
            let envelope = try Envelopes.received(forged, aggregateId: "o-1", correlationId: "o-1")

            await #expect {
                try await service.react(to: envelope)
            } throws: { error in
                guard case EnvelopeError.malformed(let reason) = error else { return false }
                return reason.contains("total")
            }
            let balance = try await service.balance()
            #expect(balance == 10000)
        }
    }
}
