import EventSourcing

/// The customer was charged for the order.
public struct PaymentAuthorized: EventPayload, Equatable {
    public static let eventType = "PaymentAuthorized"
    public static let aggregateType = "Payment"
    public var orderId: String
    public var customerId: String
    public var amount: Int
    public var items: [StockLine]

    public init(orderId: String, customerId: String, amount: Int, items: [StockLine]) {
        self.orderId = orderId
        self.customerId = customerId
        self.amount = amount
        self.items = items
    }
}

/// Why a payment was declined.
public enum DeclineReason: String, Codable, Sendable, Equatable {
    case noAccount = "no_account"
    case insufficientFunds = "insufficient_funds"
    case orderCancelled = "order_cancelled"
}

/// The customer could not be charged; nothing was taken.
public struct PaymentDeclined: EventPayload, Equatable {
    public static let eventType = "PaymentDeclined"
    public static let aggregateType = "Payment"
    public var orderId: String
    public var customerId: String
    public var amount: Int
    public var reason: DeclineReason

    public init(orderId: String, customerId: String, amount: Int, reason: DeclineReason) {
        self.orderId = orderId
        self.customerId = customerId
        self.amount = amount
        self.reason = reason
    }
}

/// The charge for the order was given back.
public struct PaymentRefunded: EventPayload, Equatable {
    public static let eventType = "PaymentRefunded"
    public static let aggregateType = "Payment"
    public var orderId: String
    public var customerId: String
    public var amount: Int
    public var reason: CancellationReason

    public init(orderId: String, customerId: String, amount: Int, reason: CancellationReason) {
        self.orderId = orderId
        self.customerId = customerId
        self.amount = amount
        self.reason = reason
    }
}

/// Money put into a customer's account; `balance` is the balance after it.
public struct AccountDeposited: EventPayload, Equatable {
    public static let eventType = "AccountDeposited"
    public static let aggregateType = "Account"
    public var customerId: String
    public var amount: Int
    public var balance: Int

    public init(customerId: String, amount: Int, balance: Int) {
        self.customerId = customerId
        self.amount = amount
        self.balance = balance
    }
}

/// Money taken from a customer's account for an order; `balance` is the balance after it.
public struct AccountDebited: EventPayload, Equatable {
    public static let eventType = "AccountDebited"
    public static let aggregateType = "Account"
    public var customerId: String
    public var orderId: String
    public var amount: Int
    public var balance: Int

    public init(customerId: String, orderId: String, amount: Int, balance: Int) {
        self.customerId = customerId
        self.orderId = orderId
        self.amount = amount
        self.balance = balance
    }
}

/// Money given back to a customer's account for an order; `balance` is the balance after it.
public struct AccountCredited: EventPayload, Equatable {
    public static let eventType = "AccountCredited"
    public static let aggregateType = "Account"
    public var customerId: String
    public var orderId: String
    public var amount: Int
    public var balance: Int

    public init(customerId: String, orderId: String, amount: Int, balance: Int) {
        self.customerId = customerId
        self.orderId = orderId
        self.amount = amount
        self.balance = balance
    }
}
