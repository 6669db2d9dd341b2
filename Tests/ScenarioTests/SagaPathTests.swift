import Testing
import TestSupport

/// The saga end to end, against the four real executables and a private RabbitMQ node.
/// Each scenario runs in its own `SagaSystem` and ends with the contract's invariant checks.
@Suite("Saga paths end to end", .serialized, .timeLimit(.minutes(30)))
struct SagaPathTests {
    @Test func paidAndStockedOrderIsConfirmedWithBalanceDebitedAndStockReserved() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-happy", amount: 10_000)
            try await system.restock(sku: "SKU-A", quantity: 10, name: "Widget")

            let orderId = try await system.placeOrder(
                customerId: "c-happy", items: [OrderLine(sku: "SKU-A", quantity: 2, unitPrice: 1250)])
            let order = try await system.waitForFinalStatus(orderId)

            #expect(order.status == .confirmed, "expected CONFIRMED, got \(order)")
            #expect(order.total == 2500)
            #expect(order.cancellationReason == nil)
            let account = try #require(try await system.account("c-happy"))
            #expect(account.balance == 7500, "10000 deposited minus the 2500 total")
            let product = try #require(try await system.product("SKU-A"))
            #expect(product.available == 8)
            #expect(product.reserved == 2, "a confirmed order keeps holding its stock")
            let payment = try #require(try await system.payment(orderId: orderId))
            #expect(payment.status == .authorized)
            #expect(payment.amount == 2500)

            let projected = try await system.waitForProjectedOrder(
                orderId, "status CONFIRMED, payment AUTHORIZED for 2500 and inventory RESERVED"
            ) {
                $0.status == .confirmed && $0.payment?.status == .authorized && $0.payment?.amount == 2500
                    && $0.inventory?.status == .reserved
            }
            #expect(projected.total == 2500)
            #expect(projected.customerId == "c-happy")

            let eventTypes = try await system.orderEvents(orderId).eventTypes
            #expect(eventTypes.first == "OrderPlaced", "events: \(eventTypes)")
            #expect(eventTypes.contains("OrderConfirmed"), "events: \(eventTypes)")
            #expect(!eventTypes.contains("OrderCancelled"), "events: \(eventTypes)")

            await system.checkInvariants()
        }
    }

    @Test func confirmedOrderCancelledByTheCustomerIsRefundedAndReleased() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-regret", amount: 10_000)
            try await system.restock(sku: "SKU-R", quantity: 10)
            let orderId = try await system.placeOrder(
                customerId: "c-regret", items: [OrderLine(sku: "SKU-R", quantity: 3, unitPrice: 1000)])
            let confirmed = try await system.waitForFinalStatus(orderId)
            #expect(confirmed.status == .confirmed, "\(confirmed)")

            let answer = try await system.requestCancel(orderId)
            #expect(answer.status == 202, "cancelling a CONFIRMED order is accepted: \(answer)")
            let cancelled = try await system.order(orderId)
            #expect(cancelled?.status == .cancelled)
            #expect(cancelled?.cancellationReason == CancellationReason.customerRequest)
            #expect(try await system.requestCancel(orderId).status == 200, "cancelling it again changes nothing")

            let refunded = try await waitUntil("the payment is refunded", read: { try await system.payment(orderId: orderId) }) {
                $0?.status == .refunded
            }
            #expect(refunded?.amount == 3000)
            let account = try await waitUntil("the money is back", read: { try await system.account("c-regret") }) { $0?.balance == 10_000 }
            #expect(account?.balance == 10_000)
            let product = try await waitUntil("the stock is back", read: { try await system.product("SKU-R") }) {
                $0?.available == 10 && $0?.reserved == 0
            }
            #expect(product?.available == 10)

            // One decision, one timestamp: both services show the cancellation's own time.
            let projected = try await system.waitForProjectedOrder(orderId, "CANCELLED, payment REFUNDED, inventory RELEASED") {
                $0.status == .cancelled && $0.payment?.status == .refunded && $0.inventory?.status == .released
            }
            #expect(projected.updatedAt == cancelled?.updatedAt, "projection \(projected.updatedAt ?? "-") vs order-service \(cancelled?.updatedAt ?? "-")")
            #expect(projected.updatedAt != confirmed.updatedAt, "the cancellation moved updatedAt")
            await system.checkInvariants()
        }
    }

    @Test func orderOverTheBalanceIsCancelledAsPaymentDeclinedWithoutTouchingStock() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-poor", amount: 1000)
            try await system.restock(sku: "SKU-A", quantity: 10)

            let orderId = try await system.placeOrder(
                customerId: "c-poor", items: [OrderLine(sku: "SKU-A", quantity: 2, unitPrice: 1250)])
            let order = try await system.waitForFinalStatus(orderId)

            #expect(order.status == .cancelled, "expected CANCELLED, got \(order)")
            #expect(order.cancellationReason == CancellationReason.paymentDeclined)
            let account = try #require(try await system.account("c-poor"))
            #expect(account.balance == 1000, "a declined payment takes nothing")
            let product = try #require(try await system.product("SKU-A"))
            #expect(product.available == 10)
            #expect(product.reserved == 0)
            let payment = try await system.payment(orderId: orderId)
            #expect(payment?.status == .declined, "payment-service handled the order and declined it; got \(String(describing: payment))")

            try await system.waitForProjectedOrder(orderId, "status CANCELLED (payment_declined) and no inventory reservation") {
                $0.status == .cancelled && $0.cancellationReason == CancellationReason.paymentDeclined
                    && $0.inventory?.status != .reserved
            }
            await system.checkInvariants()
        }
    }

    @Test func orderOfACustomerWithoutAccountIsCancelledAsPaymentDeclined() async throws {
        try await withSagaSystem { system in
            try await system.restock(sku: "SKU-A", quantity: 10)

            let orderId = try await system.placeOrder(
                customerId: "c-nobody", items: [OrderLine(sku: "SKU-A", quantity: 1, unitPrice: 500)])
            let order = try await system.waitForFinalStatus(orderId)

            #expect(order.status == .cancelled, "expected CANCELLED, got \(order)")
            #expect(order.cancellationReason == CancellationReason.paymentDeclined)
            let payment = try await system.payment(orderId: orderId)
            #expect(payment == nil || payment?.status == .declined, "no money can be taken; got \(String(describing: payment))")
            #expect(try await system.account("c-nobody") == nil, "an order does not open an account; only a deposit does")
            let product = try #require(try await system.product("SKU-A"))
            #expect(product.available == 10)
            #expect(product.reserved == 0)

            await system.checkInvariants()
        }
    }

    @Test func orderOfAnUnknownSkuIsCancelledAsOutOfStockAndRefunded() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-1", amount: 10_000)

            let orderId = try await system.placeOrder(
                customerId: "c-1", items: [OrderLine(sku: "SKU-NOPE", quantity: 1, unitPrice: 500)])
            let order = try await system.waitForFinalStatus(orderId)

            #expect(order.status == .cancelled, "expected CANCELLED, got \(order)")
            #expect(order.cancellationReason == CancellationReason.outOfStock)
            let payment = try #require(try await system.payment(orderId: orderId))
            #expect(payment.status == .refunded)
            #expect(payment.amount == 500)
            let account = try #require(try await system.account("c-1"))
            #expect(account.balance == 10_000, "the refund restores the balance")
            #expect(try await system.product("SKU-NOPE") == nil, "a failed reservation does not create a product")

            try await system.waitForProjectedOrder(orderId, "status CANCELLED, payment REFUNDED and inventory FAILED") {
                $0.status == .cancelled && $0.payment?.status == .refunded && $0.inventory?.status == .failed
            }
            await system.checkInvariants()
        }
    }

    @Test func orderShortOfStockReservesNothingIsCancelledAsOutOfStockAndRefunded() async throws {
        try await withSagaSystem { system in
            try await system.deposit(customerId: "c-1", amount: 10_000)
            try await system.restock(sku: "SKU-A", quantity: 10)
            try await system.restock(sku: "SKU-B", quantity: 1)

            // One line can be served, the other cannot: all or nothing.
            let orderId = try await system.placeOrder(
                customerId: "c-1",
                items: [
                    OrderLine(sku: "SKU-A", quantity: 3, unitPrice: 100),
                    OrderLine(sku: "SKU-B", quantity: 2, unitPrice: 1000),
                ])
            let order = try await system.waitForFinalStatus(orderId)

            #expect(order.status == .cancelled, "expected CANCELLED, got \(order)")
            #expect(order.cancellationReason == CancellationReason.outOfStock)
            #expect(order.total == 2300)
            let payment = try #require(try await system.payment(orderId: orderId))
            #expect(payment.status == .refunded)
            #expect(payment.amount == 2300)
            let account = try #require(try await system.account("c-1"))
            #expect(account.balance == 10_000, "the refund restores the balance")
            let productA = try #require(try await system.product("SKU-A"))
            #expect(productA.available == 10, "the line that could be served is not reserved either")
            #expect(productA.reserved == 0)
            let productB = try #require(try await system.product("SKU-B"))
            #expect(productB.available == 1)
            #expect(productB.reserved == 0)

            try await system.waitForProjectedOrder(orderId, "status CANCELLED, payment REFUNDED and inventory FAILED") {
                $0.status == .cancelled && $0.payment?.status == .refunded && $0.inventory?.status == .failed
            }
            await system.checkInvariants()
        }
    }

    @Test func mixedBatchOfOrdersEndsFinalAndKeepsMoneyAndStockConserved() async throws {
        try await withSagaSystem { system in
            // Customers: two with room for several orders, one that can afford about one order,
            // one without an account.
            let deposits = ["c-rich": 50_000, "c-mid": 8_000, "c-poor": 1_500]
            for (customer, amount) in deposits.sorted(by: { $0.key < $1.key }) {
                try await system.deposit(customerId: customer, amount: amount)
            }
            // SKUs: plenty, scarce (runs out during the batch), a single unit; SKU-GHOST is never stocked.
            try await system.restock(sku: "SKU-PLENTY", quantity: 100, name: "Plenty")
            try await system.restock(sku: "SKU-SCARCE", quantity: 5, name: "Scarce")
            try await system.restock(sku: "SKU-ONE", quantity: 1, name: "One")

            let customers = ["c-rich", "c-mid", "c-poor", "c-ghost"]
            var requests: [(customer: String, items: [OrderLine])] = []
            for index in 0..<30 {
                let customer = customers[index % customers.count]
                let items: [OrderLine] =
                    switch index % 5 {
                    case 0: [OrderLine(sku: "SKU-PLENTY", quantity: 1 + index % 3, unitPrice: 700)]
                    case 1: [OrderLine(sku: "SKU-SCARCE", quantity: 2, unitPrice: 900)]
                    case 2: [OrderLine(sku: "SKU-PLENTY", quantity: 1, unitPrice: 300), OrderLine(sku: "SKU-ONE", quantity: 1, unitPrice: 2000)]
                    case 3: [OrderLine(sku: "SKU-GHOST", quantity: 1, unitPrice: 100)]
                    default: [OrderLine(sku: "SKU-PLENTY", quantity: 2, unitPrice: 1100), OrderLine(sku: "SKU-SCARCE", quantity: 1, unitPrice: 900)]
                    }
                requests.append((customer, items))
            }

            // Placed concurrently, a few at a time, so that the saga steps interleave.
            let orderIds = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                var ids: [Int: String] = [:]
                var next = 0
                for _ in 0..<4 where next < requests.count {
                    let (index, request) = (next, requests[next])
                    group.addTask { (index, try await system.placeOrder(customerId: request.customer, items: request.items)) }
                    next += 1
                }
                while let (index, id) = try await group.next() {
                    ids[index] = id
                    if next < requests.count {
                        let (nextIndex, request) = (next, requests[next])
                        group.addTask { (nextIndex, try await system.placeOrder(customerId: request.customer, items: request.items)) }
                        next += 1
                    }
                }
                return (0..<requests.count).map { ids[$0]! }
            }

            var orders: [Order] = []
            for id in orderIds { orders.append(try await system.waitForFinalStatus(id)) }

            for (order, request) in zip(orders, requests) {
                let total = request.items.reduce(0) { $0 + $1.quantity * $1.unitPrice }
                if request.customer == "c-ghost" {
                    #expect(
                        order.status == .cancelled && order.cancellationReason == CancellationReason.paymentDeclined,
                        "a customer without an account is declined: \(order)")
                } else if total > deposits[request.customer]! {
                    #expect(
                        order.status == .cancelled && order.cancellationReason == CancellationReason.paymentDeclined,
                        "an order over everything the customer deposited is declined: \(order)")
                } else if request.items.contains(where: { $0.sku == "SKU-GHOST" }) {
                    #expect(
                        order.status == .cancelled
                            && [CancellationReason.paymentDeclined, CancellationReason.outOfStock].contains(order.cancellationReason),
                        "an order of an unknown SKU is never confirmed: \(order)")
                }
                if order.status == .cancelled {
                    #expect(
                        [CancellationReason.paymentDeclined, CancellationReason.outOfStock].contains(order.cancellationReason),
                        "nothing here should time out or be cancelled otherwise: \(order)")
                }
            }
            let confirmed = orders.filter { $0.status == .confirmed }
            let reasons = Set(orders.compactMap(\.cancellationReason))
            #expect(!confirmed.isEmpty, "some orders can be paid and served")
            #expect(reasons.contains(CancellationReason.paymentDeclined), "some orders cannot be paid")
            #expect(reasons.contains(CancellationReason.outOfStock), "some paid orders cannot be served")
            let oneUnitHolders = confirmed.filter { $0.items.contains { $0.sku == "SKU-ONE" } }
            #expect(oneUnitHolders.count <= 1, "one unit of SKU-ONE can be held by one order at most: \(oneUnitHolders)")

            await system.checkInvariants()
        }
    }
}
