import Contracts
import Testing

@Suite struct SagaReactionTests {
    private func routes(_ service: ServiceName) -> [String] {
        service.bindings.map { "\($0.exchange) \($0.routingKey)" }
    }

    @Test func eachParticipantsBindingsAreTheContractsTableDerivedFromItsReactions() {
        #expect(routes(.payment) == ["orders order.placed", "orders order.cancelled", "inventory inventory.reservation_failed"])
        #expect(routes(.inventory) == ["payments payment.authorized", "orders order.cancelled"])
        #expect(routes(.order) == ["inventory inventory.reserved", "payments payment.declined", "payments payment.refunded"])
        #expect(routes(.projection) == ["orders #", "payments #", "inventory #"])
    }

    @Test func aReactionIsFoundByItsEventTypeAndAnUndeclaredTypeIsNone() {
        #expect(PaymentReaction(eventType: "OrderPlaced") == .orderPlaced)
        #expect(InventoryReaction(eventType: "OrderCancelled") == .orderCancelled)
        #expect(OrderReaction(eventType: "PaymentRefunded") == .paymentRefunded)
        #expect(OrderReaction(eventType: "OrderPlaced") == nil)
        #expect(PaymentReaction(eventType: "orderplaced") == nil)
    }
}
