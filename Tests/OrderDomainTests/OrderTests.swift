import Contracts
import Foundation
import OrderDomain
import Testing

@Suite struct OrderTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let command = PlaceOrder(orderId: "o-1", customerId: "c-1", currency: "USD", items: [
        OrderItem(sku: "SKU-1", quantity: 2, unitPrice: 1250),
        OrderItem(sku: "SKU-2", quantity: 1, unitPrice: 500),
    ])

    func placed() throws -> Order {
        Order.replay(try Order.initial.place(command, now: now))
    }

    @Test func placingAValidOrderMakesItPendingWithItsTotal() throws {
        let events = try Order.initial.place(command, now: now)
        #expect(events == [.placed(OrderPlaced(orderId: "o-1", customerId: "c-1", currency: "USD", items: command.items, total: 3000, placedAt: now))])
        let order = Order.replay(events)
        #expect(order.status == .pending)
        #expect(order.total == 3000)
    }

    @Test func placingTheSameOrderTwiceIsRefused() throws {
        #expect(throws: OrderError.alreadyPlaced(orderId: "o-1")) { try placed().place(command, now: now) }
    }

    @Test(arguments: [
        ("customerId", PlaceOrder(orderId: "o", customerId: "", currency: "USD", items: [OrderItem(sku: "A", quantity: 1, unitPrice: 1)])),
        ("currency", PlaceOrder(orderId: "o", customerId: "c", currency: "usd", items: [OrderItem(sku: "A", quantity: 1, unitPrice: 1)])),
        ("items", PlaceOrder(orderId: "o", customerId: "c", currency: "USD", items: [])),
        ("items[0].sku", PlaceOrder(orderId: "o", customerId: "c", currency: "USD", items: [OrderItem(sku: "", quantity: 1, unitPrice: 1)])),
        ("items[0].quantity", PlaceOrder(orderId: "o", customerId: "c", currency: "USD", items: [OrderItem(sku: "A", quantity: 0, unitPrice: 1)])),
        ("items[0].quantity", PlaceOrder(orderId: "o", customerId: "c", currency: "USD", items: [OrderItem(sku: "A", quantity: -3, unitPrice: 1)])),
        ("items[0].unitPrice", PlaceOrder(orderId: "o", customerId: "c", currency: "USD", items: [OrderItem(sku: "A", quantity: 1, unitPrice: -1)])),
    ])
    func invalidOrdersAreRefusedNamingTheField(field: String, command: PlaceOrder) {
        #expect {
            try Order.initial.place(command, now: now)
        } throws: { error in
            guard case .invalid(let invalidField, _) = error as? OrderError else { return false }
            return invalidField == field
        }
    }

    @Test func reservedStockConfirmsAPendingOrder() throws {
        let events = try placed().confirm(now: now)
        #expect(events == [.confirmed(OrderConfirmed(orderId: "o-1", confirmedAt: now))])
        #expect(try placed().evolve(with: events[0]).status == .confirmed)
    }

    @Test func confirmingTwiceChangesNothing() throws {
        let confirmed = try placed().evolve(with: .confirmed(OrderConfirmed(orderId: "o-1", confirmedAt: now)))
        #expect(try confirmed.confirm(now: now).isEmpty)
    }

    @Test func aCancelledOrderNeverBecomesConfirmed() throws {
        let cancelled = Order.replay(try placed().cancel(reason: .customerRequest, now: now), from: try placed())
        #expect(cancelled.status == .cancelled)
        #expect(try cancelled.confirm(now: now).isEmpty)
    }

    @Test func cancellingAPendingOrderRecordsTheReason() throws {
        let events = try placed().cancel(reason: .paymentDeclined, now: now)
        #expect(events == [.cancelled(OrderCancelled(orderId: "o-1", customerId: "c-1", reason: .paymentDeclined, cancelledAt: now))])
    }

    @Test func cancellingACancelledOrderChangesNothing() throws {
        let cancelled = Order.replay(try placed().cancel(reason: .timeout, now: now), from: try placed())
        #expect(try cancelled.cancel(reason: .customerRequest, now: now).isEmpty)
        #expect(cancelled.cancellationReason == .timeout)
    }

    @Test func aConfirmedOrderCanStillBeCancelledByTheCustomer() throws {
        let confirmed = Order.replay(try placed().confirm(now: now), from: try placed())
        let events = try confirmed.cancel(reason: .customerRequest, now: now)
        #expect(events == [.cancelled(OrderCancelled(orderId: "o-1", customerId: "c-1", reason: .customerRequest, cancelledAt: now))])
        let cancelled = Order.replay(events, from: confirmed)
        #expect(cancelled.status == .cancelled)
        #expect(try cancelled.confirm(now: now).isEmpty)
    }

    @Test func anUnknownOrderCannotBeConfirmedOrCancelled() {
        #expect(throws: OrderError.self) { try Order.initial.confirm(now: now) }
        #expect(throws: OrderError.self) { try Order.initial.cancel(reason: .timeout, now: now) }
    }
}

extension Order {
    static func replay(_ events: [OrderEvent], from start: Order) -> Order {
        events.reduce(start) { $0.evolve(with: $1) }
    }
}
