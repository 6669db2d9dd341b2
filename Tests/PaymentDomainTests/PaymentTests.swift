import Contracts
import Foundation
import PaymentDomain
import Testing

@Suite struct AccountTests {
    @Test func theFirstDepositOpensTheAccount() throws {
        let events = try Account.initial.deposit(customerId: "c-1", amount: 10_000)
        #expect(events == [.deposited(AccountDeposited(customerId: "c-1", amount: 10_000, balance: 10_000))])
        #expect(Account.replay(events).isOpen)
    }

    @Test(arguments: [0, -5, AccountLimits.maxDeposit + 1])
    func depositsMustBePositiveAndBounded(amount: Int) {
        #expect(throws: AccountError.self) { try Account.initial.deposit(customerId: "c-1", amount: amount) }
    }

    @Test func anEmptyCustomerIdIsRefused() {
        #expect(throws: AccountError.self) { try Account.initial.deposit(customerId: "", amount: 1) }
    }

    @Test func aDebitBeyondTheBalanceIsRefused() throws {
        let account = Account.replay(try Account.initial.deposit(customerId: "c-1", amount: 100))
        #expect(throws: AccountError.insufficientFunds(balance: 100, amount: 101)) { try account.debit(orderId: "o-1", amount: 101) }
        #expect(try account.debit(orderId: "o-1", amount: 100) == [.debited(AccountDebited(customerId: "c-1", orderId: "o-1", amount: 100, balance: 0))])
    }
}

@Suite struct PaymentTests {
    let order = OrderPlaced(orderId: "o-1", customerId: "c-1", currency: "USD", items: [OrderItem(sku: "A", quantity: 2, unitPrice: 500)], total: 1000, placedAt: Date())

    func account(balance: Int) throws -> Account {
        Account.replay(try Account.initial.deposit(customerId: "c-1", amount: balance))
    }

    @Test func aCoveredOrderIsChargedAndAuthorized() throws {
        let decision = Payment.initial.authorize(order, account: try account(balance: 1500))
        #expect(decision.payment == [.authorized(PaymentAuthorized(orderId: "o-1", customerId: "c-1", amount: 1000, items: [StockLine(sku: "A", quantity: 2)]))])
        #expect(decision.account == [.debited(AccountDebited(customerId: "c-1", orderId: "o-1", amount: 1000, balance: 500))])
    }

    @Test func insufficientBalanceDeclinesAndTakesNothing() throws {
        let decision = Payment.initial.authorize(order, account: try account(balance: 999))
        #expect(decision.payment == [.declined(PaymentDeclined(orderId: "o-1", customerId: "c-1", amount: 1000, reason: .insufficientFunds))])
        #expect(decision.account.isEmpty)
    }

    @Test func noAccountDeclines() {
        let decision = Payment.initial.authorize(order, account: .initial)
        #expect(decision.payment == [.declined(PaymentDeclined(orderId: "o-1", customerId: "c-1", amount: 1000, reason: .noAccount))])
        #expect(decision.account.isEmpty)
    }

    @Test func anOrderIsChargedAtMostOnce() throws {
        let funded = try account(balance: 5000)
        let first = Payment.initial.authorize(order, account: funded)
        let payment = Payment.replay(first.payment)
        #expect(payment.authorize(order, account: Account.replay(first.account, from: funded)) == PaymentDecision())
    }

    @Test func aRefundGivesBackExactlyWhatWasCharged() throws {
        let funded = try account(balance: 1000)
        let charged = Payment.initial.authorize(order, account: funded)
        let refund = try Payment.replay(charged.payment).refund(reason: .outOfStock, account: Account.replay(charged.account, from: funded))
        #expect(refund.payment == [.refunded(PaymentRefunded(orderId: "o-1", customerId: "c-1", amount: 1000, reason: .outOfStock))])
        #expect(refund.account == [.credited(AccountCredited(customerId: "c-1", orderId: "o-1", amount: 1000, balance: 1000))])
    }

    @Test func refundingADeclinedOrRefundedPaymentChangesNothing() throws {
        let declined = Payment.replay(Payment.initial.authorize(order, account: .initial).payment)
        #expect(try declined.refund(reason: .outOfStock, account: .initial) == PaymentDecision())
    }

    @Test func aCancellationBeforePaymentIsRememberedSoALateOrderIsNotCharged() throws {
        let cancelled = OrderCancelled(orderId: "o-1", customerId: "c-1", reason: .customerRequest, cancelledAt: Date())
        let decision = try Payment.initial.cancel(cancelled, account: try account(balance: 5000))
        let payment = Payment.replay(decision.payment)
        #expect(payment.status == .declined)
        #expect(payment.authorize(order, account: try account(balance: 5000)) == PaymentDecision())
    }
}

extension Account {
    static func replay(_ events: [AccountEvent], from start: Account) -> Account {
        events.reduce(start) { $0.evolve(with: $1) }
    }
}

@Suite struct AccountArithmeticTests {
    @Test func aCustomerIdIsLimitedInBytes() {
        #expect(throws: AccountError.self) { try Account.initial.deposit(customerId: String(repeating: "é", count: 65), amount: 1) }
        #expect(throws: Never.self) { try Account.initial.deposit(customerId: "café", amount: 1) }
    }

    @Test func aRefundThatWouldOverflowIsRefusedNotATrap() throws {
        let account = Account.initial.evolve(with: try Account.initial.deposit(customerId: "c-1", amount: 10)[0])
        #expect(throws: AccountError.self) { try account.credit(orderId: "o-1", amount: Int.max) }
    }
}
