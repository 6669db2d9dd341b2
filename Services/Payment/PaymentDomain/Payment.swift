import Contracts
import EventSourcing

/// Where the payment of an order stands.
public enum PaymentStatus: String, Codable, Sendable, Equatable {
    case authorized = "AUTHORIZED"
    case declined = "DECLINED"
    case refunded = "REFUNDED"
}

/// The payment of one order (its stream id is the order id).
public struct Payment: Aggregate, Equatable {
    public static let aggregateType = "Payment"
    public static let initial = Payment()

    /// `nil` until the payment-service has handled the order.
    public private(set) var status: PaymentStatus?
    public private(set) var orderId = ""
    public private(set) var customerId = ""
    public private(set) var amount = 0

    public func evolve(with event: PaymentEvent) -> Payment {
        var payment = self
        switch event {
        case .authorized(let authorized):
            payment.status = .authorized
            payment.orderId = authorized.orderId
            payment.customerId = authorized.customerId
            payment.amount = authorized.amount
        case .declined(let declined):
            payment.status = .declined
            payment.orderId = declined.orderId
            payment.customerId = declined.customerId
            payment.amount = declined.amount
        case .refunded:
            payment.status = .refunded
        }
        return payment
    }
}

/// What the payment-service decided for an order: the payment's events and the account's.
public struct PaymentDecision: Equatable, Sendable {
    public var payment: [PaymentEvent] = []
    public var account: [AccountEvent] = []

    public init(payment: [PaymentEvent] = [], account: [AccountEvent] = []) {
        self.payment = payment
        self.account = account
    }
}

extension Payment {
    /// Happy path: charge the customer for a placed order when the balance covers its total.
    /// Compensation: with no account or too little money, decline and take nothing.
    /// An order already handled changes nothing.
    public func authorize(_ order: OrderPlaced, account: Account) -> PaymentDecision {
        guard status == nil else { return PaymentDecision() }
        let declined = { (reason: DeclineReason) in
            PaymentDecision(payment: [.declined(PaymentDeclined(
                orderId: order.orderId, customerId: order.customerId, amount: order.total, reason: reason
            ))])
        }
        do {
            let debit = try account.debit(orderId: order.orderId, amount: order.total)
            return PaymentDecision(
                payment: [.authorized(PaymentAuthorized(
                    orderId: order.orderId, customerId: order.customerId, amount: order.total, items: order.stockLines
                ))],
                account: debit
            )
        } catch {
            switch error {
            case .notFound: return declined(.noAccount)
            case .insufficientFunds, .invalid: return declined(.insufficientFunds)
            }
        }
    }

    /// Compensation: give back what was charged. Nothing charged, or already refunded, changes nothing.
    /// - Throws: ``AccountError`` when the charged account cannot be found (a broken store, never a rule).
    public func refund(reason: CancellationReason, account: Account) throws(AccountError) -> PaymentDecision {
        guard status == .authorized else { return PaymentDecision() }
        return PaymentDecision(
            payment: [.refunded(PaymentRefunded(orderId: orderId, customerId: customerId, amount: amount, reason: reason))],
            account: try account.credit(orderId: orderId, amount: amount)
        )
    }
}

extension Payment {
    /// Compensation for a cancelled order: refund what was charged; if nothing was charged yet,
    /// remember the cancellation (a declined payment) so that a late `OrderPlaced` charges nothing.
    public func cancel(_ cancelled: OrderCancelled, account: Account) throws(AccountError) -> PaymentDecision {
        switch status {
        case nil:
            PaymentDecision(payment: [.declined(PaymentDeclined(
                orderId: cancelled.orderId, customerId: cancelled.customerId, amount: 0, reason: .orderCancelled
            ))])
        case .authorized:
            try refund(reason: cancelled.reason, account: account)
        case .declined, .refunded:
            PaymentDecision()
        }
    }
}
