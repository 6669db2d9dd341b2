import Foundation
import Testing

/// One broken invariant, with the values that show it.
public struct InvariantViolation: Sendable, CustomStringConvertible {
    /// `I1` ... `I7` of the contract, `order-data` (order-service did not keep what was
    /// placed) or `read` (a public endpoint could not be read).
    public let invariant: String
    public let message: String

    public init(_ invariant: String, _ message: String) {
        self.invariant = invariant
        self.message = message
    }

    public var description: String { "[\(invariant)] \(message)" }
}

public struct InvariantReport: Sendable, CustomStringConvertible {
    /// Violations of the last look at the system (empty when it passed).
    public let violations: [InvariantViolation]
    /// How many times the whole system was read before the verdict.
    public let snapshots: Int

    public var isClean: Bool { violations.isEmpty }

    public var description: String {
        isClean
            ? "all invariants hold (\(snapshots) snapshots)"
            : "\(violations.count) violation(s):\n" + violations.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Checks the contract's invariants I1–I7 through the services' public APIs only.
///
/// 1. Waits until every given order is CONFIRMED or CANCELLED in order-service (I1), up to
///    `settleTimeout` (the saga timeout plus a margin).
/// 2. Then reads the whole system repeatedly until all checks pass on two consecutive reads
///    (the system is quiet and projection-service has caught up), or `convergenceTimeout`
///    passes; the violations of the last read are reported, every one as its own issue.
public struct InvariantChecker: Sendable {
    public let system: SagaSystem
    public var settleTimeout: Duration
    public var convergenceTimeout: Duration
    public var pollInterval: Duration = .milliseconds(500)

    public init(system: SagaSystem, settleTimeout: Duration? = nil, convergenceTimeout: Duration = .seconds(30)) {
        self.system = system
        self.settleTimeout = settleTimeout ?? system.configuration.settleTimeout
        self.convergenceTimeout = convergenceTimeout
    }

    /// Checks the orders, deposits and restocks the scenario made through `system` (its ledger).
    @discardableResult
    public func check(_ ledger: Ledger, sourceLocation: SourceLocation = #_sourceLocation) async -> InvariantReport {
        var placed: [String: PlaceOrderRequest] = [:]
        for order in ledger.orders { placed[order.orderId] = order.request }
        return await check(
            orderIds: ledger.orderIds, deposits: ledger.deposits, stock: ledger.stock, placed: placed,
            sourceLocation: sourceLocation)
    }

    /// Checks the given orders, total deposits per customer and total stock added per SKU.
    /// `placed` (optional) holds what was asked for each order, to check order-service kept it.
    /// Records one issue per violation and returns the report.
    @discardableResult
    public func check(
        orderIds: [String],
        deposits: [String: Int],
        stock: [String: Int],
        placed: [String: PlaceOrderRequest] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> InvariantReport {
        let input = Input(orderIds: orderIds, deposits: deposits, stock: stock, placed: placed)
        let settled = await waitForFinalStatuses(input)

        let clock = ContinuousClock()
        let deadline = clock.now + convergenceTimeout
        var snapshots = 0
        var cleanInARow = 0
        var violations: [InvariantViolation] = []
        while true {
            let snapshot = await Snapshot.read(system: system, input: input)
            snapshots += 1
            violations = Self.evaluate(snapshot, input)
            cleanInARow = violations.isEmpty ? cleanInARow + 1 : 0
            if cleanInARow >= 2 || clock.now >= deadline { break }
            try? await Task.sleep(for: pollInterval)
        }
        let report = InvariantReport(violations: violations, snapshots: snapshots)
        if !report.isClean {
            system.markFailed()
            for violation in violations {
                Issue.record(Comment(rawValue: violation.description), sourceLocation: sourceLocation)
            }
            let header = settled
                ? "\(violations.count) invariant violation(s) still present \(convergenceTimeout) after every order was final"
                : "\(violations.count) invariant violation(s); not every order was final after \(settleTimeout)"
            Issue.record(
                Comment(rawValue: "\(header) (\(snapshots) reads). Logs and data kept in \(system.directory.path)\n\(system.logTails(lines: 25))"),
                sourceLocation: sourceLocation)
        }
        return report
    }

    // MARK: - Phase 1: I1

    private func waitForFinalStatuses(_ input: Input) async -> Bool {
        let system = self.system
        do {
            _ = try await waitUntil(
                "all \(input.orderIds.count) orders are CONFIRMED or CANCELLED in order-service (I1)",
                timeout: settleTimeout, interval: .milliseconds(300)
            ) { () async throws -> Poll<Void> in
                var pending: [String] = []
                for id in input.orderIds {
                    guard let order = try await system.order(id) else {
                        pending.append("\(id): 404")
                        continue
                    }
                    if !order.status.isFinal { pending.append(order.description) }
                }
                return pending.isEmpty ? .done(()) : .notYet(seen: "\(pending.count) not final: " + pending.prefix(10).joined(separator: "; "))
            }
            return true
        } catch {
            return false
        }
    }

    // MARK: - Input and snapshot

    struct Input: Sendable {
        var orderIds: [String]
        var deposits: [String: Int]
        var stock: [String: Int]
        var placed: [String: PlaceOrderRequest]
    }

    /// One read of everything the invariants talk about.
    struct Snapshot: Sendable {
        var orders: [String: Order] = [:]
        var payments: [String: Payment] = [:]
        var projectedOrders: [String: ProjectedOrder] = [:]
        var accounts: [String: Account] = [:]
        var projectedCustomers: [String: ProjectedCustomer] = [:]
        var products: [String: Product] = [:]
        var projectedProducts: [String: ProjectedProduct]?
        /// projection `GET /orders?customerId=` (all pages) per customer.
        var projectedListByCustomer: [String: [ProjectedOrder]] = [:]
        /// projection `GET /orders?status=` (all pages) per final status.
        var projectedListByStatus: [OrderStatus: [ProjectedOrder]] = [:]
        var readErrors: [String] = []

        var customers: [String] = []
        var skus: [String] = []

        static func read(system: some SagaReads, input: Input) async -> Snapshot {
            var snapshot = Snapshot()
            func attempt<T>(_ what: String, _ operation: () async throws -> T) async -> T? {
                do { return try await operation() } catch {
                    snapshot.readErrors.append("\(what): \(error)")
                    return nil
                }
            }
            for id in input.orderIds {
                if let order = await attempt("order-service GET /orders/\(id)", { try await system.order(id) }), let order {
                    snapshot.orders[id] = order
                }
                if let payment = await attempt("payment-service GET /payments/\(id)", { try await system.payment(orderId: id) }), let payment {
                    snapshot.payments[id] = payment
                }
                if let projected = await attempt("projection-service GET /orders/\(id)", { try await system.projectedOrder(id) }), let projected {
                    snapshot.projectedOrders[id] = projected
                }
            }
            var customers = Set(input.deposits.keys)
            var skus = Set(input.stock.keys)
            for id in input.orderIds {
                if let order = snapshot.orders[id] {
                    customers.insert(order.customerId)
                    skus.formUnion(order.items.map(\.sku))
                } else if let request = input.placed[id] {
                    customers.insert(request.customerId)
                    skus.formUnion(request.items.map(\.sku))
                }
            }
            snapshot.customers = customers.sorted()
            snapshot.skus = skus.sorted()
            for customer in snapshot.customers {
                if let account = await attempt("payment-service GET /accounts/\(customer)", { try await system.account(customer) }), let account {
                    snapshot.accounts[customer] = account
                }
                if let projected = await attempt("projection-service GET /customers/\(customer)", { try await system.projectedCustomer(customer) }), let projected {
                    snapshot.projectedCustomers[customer] = projected
                }
                if let list = await attempt("projection-service GET /orders?customerId=\(customer)", { try await system.projectedOrderList(status: nil, customerId: customer, pageSize: 10) }) {
                    snapshot.projectedListByCustomer[customer] = list
                }
            }
            for status in [OrderStatus.confirmed, .cancelled] {
                if let list = await attempt("projection-service GET /orders?status=\(status.rawValue)", { try await system.projectedOrderList(status: status, customerId: nil, pageSize: 50) }) {
                    snapshot.projectedListByStatus[status] = list
                }
            }
            for sku in snapshot.skus {
                if let product = await attempt("inventory-service GET /products/\(sku)", { try await system.product(sku) }), let product {
                    snapshot.products[sku] = product
                }
            }
            if let products = await attempt("projection-service GET /products", { try await system.projectedProducts() }) {
                // SKUs are byte strings: `café` in NFC and in NFD are two products, though Swift's
                // `String ==` calls them equal. Duplicates are found by bytes, and each SKU checked
                // is answered by the product with exactly its bytes.
                var byBytes: [[UInt8]: ProjectedProduct] = [:]
                for product in products {
                    if byBytes.updateValue(product, forKey: Array(product.sku.utf8)) != nil {
                        snapshot.readErrors.append("projection-service GET /products lists \(product.sku) twice")
                    }
                }
                snapshot.projectedProducts = Dictionary(
                    snapshot.skus.compactMap { sku in byBytes[Array(sku.utf8)].map { (sku, $0) } }, uniquingKeysWith: { first, _ in first })
            }
            return snapshot
        }
    }

    // MARK: - The checks

    static func evaluate(_ snapshot: Snapshot, _ input: Input) -> [InvariantViolation] {
        var violations: [InvariantViolation] = snapshot.readErrors.map { InvariantViolation("read", $0) }
        func fail(_ invariant: String, _ message: String) { violations.append(InvariantViolation(invariant, message)) }

        // Per order: I1, order data, I2, I3, I7.
        for id in input.orderIds {
            guard let order = snapshot.orders[id] else {
                fail("I1", "order \(id) was accepted but order-service answers 404 for it")
                continue
            }
            let payment = snapshot.payments[id]
            let projected = snapshot.projectedOrders[id]

            if !order.status.isFinal {
                fail("I1", "order \(id) is still \(order.status.rawValue), expected CONFIRMED or CANCELLED: \(order)")
            }

            if let request = input.placed[id] {
                let expectedTotal = request.items.reduce(0) { $0 + $1.quantity * $1.unitPrice }
                if order.customerId != request.customerId || order.currency != request.currency
                    || order.items != request.items || order.total != expectedTotal
                {
                    fail(
                        "order-data",
                        "order \(id) differs from what was placed: placed customer=\(request.customerId) currency=\(request.currency) items=\(request.items) total=\(expectedTotal); order-service has customer=\(order.customerId) currency=\(order.currency) items=\(order.items) total=\(order.total)"
                    )
                }
            }

            switch order.status {
            case .confirmed:
                // I2: charged its total exactly once (and holds its stock: see I5 per SKU).
                if let payment {
                    if payment.status != .authorized || payment.amount != order.total {
                        fail("I2", "CONFIRMED order \(id) (total \(order.total)) expected payment AUTHORIZED for \(order.total); payment-service has \(payment)")
                    }
                } else {
                    fail("I2", "CONFIRMED order \(id) (total \(order.total)) has no payment in payment-service (404)")
                }
                if let projected {
                    if projected.payment?.status != .authorized {
                        fail("I2", "CONFIRMED order \(id): projection expected payment AUTHORIZED, has \(projected)")
                    }
                    if projected.inventory?.status != .reserved {
                        fail("I2", "CONFIRMED order \(id): projection expected inventory RESERVED, has \(projected)")
                    }
                }
            case .cancelled:
                // I3: kept no money, holds no stock.
                if let payment, payment.status == .authorized {
                    fail("I3", "CANCELLED order \(id) (reason \(order.cancellationReason ?? "nil")) still has its money taken: \(payment)")
                }
                if let payment, payment.status == .refunded, payment.amount != order.total {
                    fail("I3", "CANCELLED order \(id): refunded amount \(payment.amount) ≠ order total \(order.total)")
                }
                if let projected {
                    if projected.inventory?.status == .reserved {
                        fail("I3", "CANCELLED order \(id) (reason \(order.cancellationReason ?? "nil")) still holds stock: projection shows inventory RESERVED: \(projected)")
                    }
                    if projected.payment?.status == .authorized {
                        fail("I3", "CANCELLED order \(id) (reason \(order.cancellationReason ?? "nil")): projection shows payment AUTHORIZED: \(projected)")
                    }
                }
            case .pending:
                break
            }

            // I7: the projection agrees with order-service and payment-service.
            guard let projected else {
                fail("I7", "projection-service answers 404 for order \(id) (order-service: \(order))")
                continue
            }
            var differences: [String] = []
            if projected.status != order.status { differences.append("status \(projected.status.rawValue) ≠ \(order.status.rawValue)") }
            if projected.total != order.total { differences.append("total \(projected.total.map(String.init) ?? "nil") ≠ \(order.total)") }
            if projected.customerId != order.customerId { differences.append("customerId \(projected.customerId ?? "nil") ≠ \(order.customerId)") }
            if projected.currency != order.currency { differences.append("currency \(projected.currency ?? "nil") ≠ \(order.currency)") }
            if projected.cancellationReason != order.cancellationReason {
                differences.append("cancellationReason \(projected.cancellationReason ?? "nil") ≠ \(order.cancellationReason ?? "nil")")
            }
            if let items = projected.items, items != order.items { differences.append("items \(items) ≠ \(order.items)") }
            if let payment {
                if projected.payment?.status != payment.status || projected.payment?.amount != payment.amount {
                    differences.append("payment \(projected.payment.map { "\($0.status.rawValue)/\($0.amount.map(String.init) ?? "nil")" } ?? "nil") ≠ payment-service \(payment.status.rawValue)/\(payment.amount)")
                }
            } else if let projectedPayment = projected.payment, projectedPayment.status != .declined {
                differences.append("payment \(projectedPayment.status.rawValue) but payment-service has no payment (404)")
            }
            if !differences.isEmpty {
                fail("I7", "projection of order \(id) disagrees with the owning services: " + differences.joined(separator: "; "))
            }
        }

        let finalOrders = input.orderIds.compactMap { snapshot.orders[$0] }
        let confirmed = finalOrders.filter { $0.status == .confirmed }

        // Per customer: I4 (money conserved), I6, I7.
        for customer in snapshot.customers {
            let deposited = input.deposits[customer] ?? 0
            let account = snapshot.accounts[customer]
            let balance = account?.balance ?? 0
            let customerConfirmed = confirmed.filter { $0.customerId == customer }
            let charged = customerConfirmed.reduce(0) { $0 + $1.total }
            if deposited != balance + charged {
                fail(
                    "I4",
                    "money not conserved for customer \(customer): deposited \(deposited) ≠ balance \(account.map { String($0.balance) } ?? "none (404)") + totals of CONFIRMED orders \(charged) [\(customerConfirmed.map { "\($0.orderId)=\($0.total)" }.joined(separator: ", "))]"
                )
            }
            if balance < 0 { fail("I6", "customer \(customer) has a negative balance \(balance)") }

            let projectedCustomer = snapshot.projectedCustomers[customer]
            if let account {
                if let projectedCustomer {
                    if projectedCustomer.balance != account.balance {
                        fail("I7", "projection balance of \(customer) is \(projectedCustomer.balance.map(String.init) ?? "nil"), payment-service has \(account.balance)")
                    }
                } else {
                    fail("I7", "projection-service answers 404 for customer \(customer); payment-service has balance \(account.balance)")
                }
            } else if let projectedCustomer, let projectedBalance = projectedCustomer.balance, projectedBalance != 0 {
                fail("I7", "projection balance of \(customer) is \(projectedBalance), but payment-service has no account (404)")
            }
            let customerOrderIds = Set(finalOrders.filter { $0.customerId == customer }.map(\.orderId))
            if let projectedCustomer, projectedCustomer.orders != nil {
                let missing = customerOrderIds.subtracting(projectedCustomer.orderIds)
                if !missing.isEmpty {
                    fail("I7", "projection GET /customers/\(customer) does not list orders \(missing.sorted())")
                }
            }
            if let list = snapshot.projectedListByCustomer[customer] {
                let listed = Dictionary(list.map { ($0.orderId, $0) }, uniquingKeysWith: { first, _ in first })
                if listed.count != list.count {
                    fail("I7", "projection GET /orders?customerId=\(customer) lists an order twice across pages: \(list.map(\.orderId))")
                }
                for order in finalOrders where order.customerId == customer {
                    if let entry = listed[order.orderId] {
                        if entry.status != order.status {
                            fail("I7", "projection GET /orders?customerId=\(customer) shows \(order.orderId) as \(entry.status.rawValue), order-service has \(order.status.rawValue)")
                        }
                    } else {
                        fail("I7", "projection GET /orders?customerId=\(customer) does not list order \(order.orderId)")
                    }
                }
                for entry in list where entry.customerId != nil && entry.customerId != customer {
                    fail("I7", "projection GET /orders?customerId=\(customer) lists \(entry.orderId) of customer \(entry.customerId ?? "")")
                }
            }
        }

        // Status filter of the projection's order list.
        for (status, list) in snapshot.projectedListByStatus {
            let listed = Set(list.map(\.orderId))
            for entry in list where entry.status != status {
                fail("I7", "projection GET /orders?status=\(status.rawValue) lists \(entry.orderId) with status \(entry.status.rawValue)")
            }
            for order in finalOrders where order.status == status && !listed.contains(order.orderId) {
                fail("I7", "projection GET /orders?status=\(status.rawValue) does not list \(order.orderId)")
            }
        }

        // Per SKU: I5 (stock conserved; reserved == held by CONFIRMED orders), I6, I7.
        for sku in snapshot.skus {
            let stocked = input.stock[sku] ?? 0
            let held = confirmed.reduce(0) { sum, order in
                sum + order.items.filter { $0.sku == sku }.reduce(0) { $0 + $1.quantity }
            }
            let product = snapshot.products[sku]
            let available = product?.available ?? 0
            let reserved = product?.reserved ?? 0
            let holders = confirmed.filter { $0.items.contains { $0.sku == sku } }.map(\.orderId)
            if stocked != available + held {
                fail(
                    "I5",
                    "stock not conserved for \(sku): stocked \(stocked) ≠ available \(product.map { String($0.available) } ?? "none (404)") + quantities of CONFIRMED orders \(held) \(holders)"
                )
            }
            if reserved != held {
                fail("I5", "\(sku): reserved \(reserved) ≠ quantities held by CONFIRMED orders \(held) \(holders)")
            }
            if available < 0 { fail("I6", "\(sku) has negative available stock \(available)") }
            if reserved < 0 { fail("I6", "\(sku) has negative reserved stock \(reserved)") }

            if let projectedProducts = snapshot.projectedProducts {
                switch (product, projectedProducts[sku]) {
                case (let product?, let projected?):
                    if projected.available != product.available || projected.reserved != product.reserved {
                        fail("I7", "projection shows \(projected), inventory-service has \(product)")
                    }
                case (let product?, nil):
                    fail("I7", "projection GET /products does not list \(sku); inventory-service has \(product)")
                case (nil, let projected?):
                    if projected.available != 0 || projected.reserved != 0 {
                        fail("I7", "projection shows \(projected), inventory-service has no such product (404)")
                    }
                case (nil, nil):
                    break
                }
            }
        }
        return violations
    }
}

extension SagaSystem {
    /// Runs the `InvariantChecker` over everything placed, deposited and restocked through
    /// this system, recording one issue per violation.
    @discardableResult
    public func checkInvariants(
        settleTimeout: Duration? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> InvariantReport {
        await InvariantChecker(system: self, settleTimeout: settleTimeout).check(ledger, sourceLocation: sourceLocation)
    }
}
