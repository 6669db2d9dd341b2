import Contracts
import EventSourcing

/// A customer's wallet. It opens on its first deposit; its balance never goes below zero.
public struct Account: SnapshottableAggregate, Equatable {
    /// Raise when the stored properties or `evolve` change: older snapshots are then ignored.
    public static let snapshotSchemaVersion = 1
    public static let aggregateType = "Account"
    public static let initial = Account()

    public private(set) var customerId = ""
    public private(set) var balance = 0
    public private(set) var isOpen = false

    public func evolve(with event: AccountEvent) -> Account {
        var account = self
        switch event {
        case .deposited(let deposited):
            account.isOpen = true
            account.customerId = deposited.customerId
            account.balance = deposited.balance
        case .debited(let debited):
            account.balance = debited.balance
        case .credited(let credited):
            account.balance = credited.balance
        }
        return account
    }
}

/// Why an account refuses a command.
public enum AccountError: Error, Equatable, CustomStringConvertible {
    case invalid(field: String, reason: String)
    case notFound(customerId: String)
    case insufficientFunds(balance: Int, amount: Int)

    public var description: String {
        switch self {
        case .invalid(let field, let reason): "\(field) \(reason)"
        case .notFound(let id): "account \(id) does not exist"
        case .insufficientFunds(let balance, let amount): "balance \(balance) is less than \(amount)"
        }
    }
}

/// Bounds that keep every balance within integer range.
public enum AccountLimits {
    public static let maxDeposit = Limits.maxDeposit
    public static let maxBalance = Limits.maxBalance
}

extension Account {
    /// Puts money in, opening the account on the first deposit.
    public func deposit(customerId: String, amount: Int) throws(AccountError) -> [AccountEvent] {
        if let problem = Identifier.problem(with: customerId) { throw .invalid(field: "customerId", reason: problem) }
        guard (1...AccountLimits.maxDeposit).contains(amount) else {
            throw .invalid(field: "amount", reason: "must be a positive integer of minor units up to \(AccountLimits.maxDeposit)")
        }
        guard let balance = balance.adding(amount, upTo: AccountLimits.maxBalance) else {
            throw .invalid(field: "amount", reason: "would take the balance above \(AccountLimits.maxBalance)")
        }
        return [.deposited(AccountDeposited(customerId: customerId, amount: amount, balance: balance))]
    }

    /// Takes money for an order; refuses rather than go below zero.
    public func debit(orderId: String, amount: Int) throws(AccountError) -> [AccountEvent] {
        guard isOpen else { throw .notFound(customerId: customerId) }
        guard amount >= 0 else { throw .invalid(field: "amount", reason: "must not be negative") }
        guard balance >= amount else { throw .insufficientFunds(balance: balance, amount: amount) }
        return [.debited(AccountDebited(customerId: customerId, orderId: orderId, amount: amount, balance: balance - amount))]
    }

    /// Gives back money taken for an order. A refund is never refused for taking the balance above
    /// ``AccountLimits/maxBalance`` (deposits are): money taken must come back.
    public func credit(orderId: String, amount: Int) throws(AccountError) -> [AccountEvent] {
        guard isOpen else { throw .notFound(customerId: customerId) }
        guard amount >= 0 else { throw .invalid(field: "amount", reason: "must not be negative") }
        guard let balance = balance.adding(amount) else {
            throw .invalid(field: "amount", reason: "would take the balance beyond any integer")
        }
        return [.credited(AccountCredited(customerId: customerId, orderId: orderId, amount: amount, balance: balance))]
    }
}
